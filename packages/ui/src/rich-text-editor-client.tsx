import Image from '@tiptap/extension-image'
import { type Editor, EditorContent, useEditor } from '@tiptap/react'
import StarterKit from '@tiptap/starter-kit'
import { type KeyboardEvent, type ReactNode, useEffect, useId, useReducer, useRef, useState } from 'react'
import type { RichTextEditorImplProps } from './rich-text-editor'

/**
 * The Tiptap editor behind `RichTextEditor` (browser only, loaded lazily).
 * Headings, bold, italic, bullet and numbered lists, links and images by
 * URL. The toolbar is one tab stop (arrow keys, Home and End move within it,
 * as WAI-ARIA's toolbar pattern says); toggles report their state with
 * aria-pressed. The HTML goes in a hidden input named `name`.
 */

const SAFE_URL = /^(https?:\/\/|mailto:)/i

/** What the person typed as an address, made absolute (`example.com` → `https://example.com`), or null when unusable. */
export function normaliseUrl(raw: string, options: { allowMailto?: boolean } = {}): string | null {
  const value = raw.trim()
  if (!value) return null
  const withScheme = SAFE_URL.test(value) ? value : /^[a-z][a-z0-9+.-]*:/i.test(value) ? null : `https://${value.replace(/^\/+/, '')}`
  if (!withScheme) return null
  if (!options.allowMailto && /^mailto:/i.test(withScheme)) return null
  try {
    return new URL(withScheme).toString()
  } catch {
    return null
  }
}

type Panel = 'link' | 'image' | 'resource' | null

interface ToggleSpec {
  key: string
  label: string
  text: ReactNode
  active: (editor: Editor) => boolean
  run: (editor: Editor) => void
}

const TOGGLES: ToggleSpec[] = [
  { key: 'h2', label: 'H2 heading', text: 'H2', active: (e) => e.isActive('heading', { level: 2 }), run: (e) => e.chain().focus().toggleHeading({ level: 2 }).run() },
  { key: 'h3', label: 'H3 subheading', text: 'H3', active: (e) => e.isActive('heading', { level: 3 }), run: (e) => e.chain().focus().toggleHeading({ level: 3 }).run() },
  { key: 'bold', label: 'Bold', text: <strong>B</strong>, active: (e) => e.isActive('bold'), run: (e) => e.chain().focus().toggleBold().run() },
  { key: 'italic', label: 'Italic', text: <em>I</em>, active: (e) => e.isActive('italic'), run: (e) => e.chain().focus().toggleItalic().run() },
  { key: 'bullets', label: 'Bulleted list', text: '• List', active: (e) => e.isActive('bulletList'), run: (e) => e.chain().focus().toggleBulletList().run() },
  { key: 'numbers', label: 'Numbered list', text: 'Numbered', active: (e) => e.isActive('orderedList'), run: (e) => e.chain().focus().toggleOrderedList().run() },
]

function toolbarState(editor: Editor) {
  return {
    toggles: Object.fromEntries(TOGGLES.map((toggle) => [toggle.key, toggle.active(editor)])) as Record<string, boolean>,
    link: editor.isActive('link'),
    linkHref: (editor.getAttributes('link').href as string | undefined) ?? '',
    canUndo: editor.can().undo(),
    canRedo: editor.can().redo(),
  }
}

export function TiptapEditor(props: RichTextEditorImplProps) {
  const [html, setHtml] = useState(props.defaultValue ?? '')
  const [panel, setPanel] = useState<Panel>(null)
  const [url, setUrl] = useState('')
  const [alt, setAlt] = useState('')
  const [resourceUrl, setResourceUrl] = useState('')
  const [panelError, setPanelError] = useState<string | null>(null)
  const toolbarRef = useRef<HTMLDivElement>(null)
  const panelId = useId()
  const invalid = props.errors?.length ? 'true' : 'false'

  const editor = useEditor({
    immediatelyRender: false,
    extensions: [
      StarterKit.configure({
        heading: { levels: [2, 3] },
        codeBlock: false,
        link: { openOnClick: false, autolink: true, defaultProtocol: 'https', protocols: ['mailto'] },
      }),
      Image.configure({ inline: false, allowBase64: false }),
    ],
    content: props.defaultValue ?? '',
    editorProps: {
      attributes: {
        id: props.id,
        class: 'rich-text-content',
        role: 'textbox',
        'aria-multiline': 'true',
        'aria-labelledby': props.labelId,
        ...(props.describedBy ? { 'aria-describedby': props.describedBy } : {}),
        'aria-invalid': invalid,
        ...(props.placeholder ? { 'aria-placeholder': props.placeholder } : {}),
      },
    },
    onUpdate: ({ editor: current }) => setHtml(current.isEmpty ? '' : current.getHTML()),
  })

  // Toolbar state follows every transaction (selection moves, marks toggled, undo history).
  const [, rerender] = useReducer((count: number) => count + 1, 0)
  useEffect(() => {
    if (!editor) return
    editor.on('transaction', rerender)
    return () => {
      editor.off('transaction', rerender)
    }
  }, [editor])
  const state = editor ? toolbarState(editor) : null

  /** Roving focus inside the toolbar. */
  function onToolbarKeyDown(event: KeyboardEvent<HTMLDivElement>) {
    const buttons = Array.from(toolbarRef.current?.querySelectorAll<HTMLButtonElement>('button:not([disabled])') ?? [])
    const current = buttons.indexOf(document.activeElement as HTMLButtonElement)
    if (current < 0) return
    const next = { ArrowRight: current + 1, ArrowLeft: current - 1, Home: 0, End: buttons.length - 1 }[event.key]
    if (next === undefined) return
    event.preventDefault()
    const target = buttons[(next + buttons.length) % buttons.length]
    for (const button of buttons) button.tabIndex = button === target ? 0 : -1
    target?.focus()
  }

  function openPanel(kind: Exclude<Panel, null>) {
    setPanelError(null)
    setAlt('')
    setUrl(kind === 'link' ? (state?.linkHref ?? '') : '')
    setResourceUrl(props.resources?.[0]?.url ?? '')
    setPanel(panel === kind ? null : kind)
  }

  function closePanel() {
    setPanel(null)
    setPanelError(null)
    editor?.commands.focus()
  }

  function applyPanel() {
    if (!editor) return
    if (panel === 'link') {
      const href = normaliseUrl(url, { allowMailto: true })
      if (!href) return setPanelError('Enter a web address (https://…) or mailto: address.')
      editor.chain().focus().extendMarkRange('link').setLink({ href }).run()
    } else if (panel === 'image') {
      const src = normaliseUrl(url)
      if (!src) return setPanelError('Enter the image’s web address (https://…).')
      editor.chain().focus().setImage({ src, alt: alt.trim() }).run()
    } else if (panel === 'resource') {
      const resource = props.resources?.find((option) => option.url === resourceUrl)
      if (!resource) return setPanelError('Choose a resource.')
      // A link to the resource's page in the portal, as its own paragraph; text nodes, so titles are never markup.
      editor
        .chain()
        .focus()
        .insertContent([
          {
            type: 'paragraph',
            content: [
              { type: 'text', text: resource.title, marks: [{ type: 'link', attrs: { href: resource.url } }] },
              { type: 'text', text: ` (${resource.kind})` },
            ],
          },
        ])
        .run()
    }
    setPanel(null)
    setPanelError(null)
  }

  /** Enter in the panel applies it instead of submitting the surrounding form; Escape closes it. */
  function onPanelKeyDown(event: KeyboardEvent<HTMLInputElement>) {
    if (event.key === 'Enter') {
      event.preventDefault()
      applyPanel()
    } else if (event.key === 'Escape') {
      event.preventDefault()
      closePanel()
    }
  }

  const ready = Boolean(editor && state)
  let firstTabStop = true
  const tabIndexFor = () => {
    const value = firstTabStop ? 0 : -1
    firstTabStop = false
    return value
  }

  return (
    <div className={`rich-text${props.errors?.length ? ' invalid' : ''}`}>
      <div className="rich-text-toolbar" role="toolbar" aria-label={`${props.label}: formatting`} ref={toolbarRef} onKeyDown={onToolbarKeyDown}>
        {TOGGLES.map((toggle) => (
          <button
            key={toggle.key}
            type="button"
            className="rich-text-button"
            tabIndex={tabIndexFor()}
            aria-label={toggle.label}
            title={toggle.label}
            aria-pressed={state?.toggles[toggle.key] ?? false}
            disabled={!ready}
            onClick={() => editor && toggle.run(editor)}
          >
            <span aria-hidden="true">{toggle.text}</span>
          </button>
        ))}
        <span className="rich-text-separator" aria-hidden="true" />
        <button type="button" className="rich-text-button" tabIndex={tabIndexFor()} aria-label="Link" title="Link" aria-pressed={state?.link ?? false} aria-expanded={panel === 'link'} aria-controls={panelId} disabled={!ready} onClick={() => openPanel('link')}>
          <span aria-hidden="true">Link</span>
        </button>
        <button type="button" className="rich-text-button" tabIndex={tabIndexFor()} aria-label="Image" title="Image by web address" aria-expanded={panel === 'image'} aria-controls={panelId} disabled={!ready} onClick={() => openPanel('image')}>
          <span aria-hidden="true">Image</span>
        </button>
        {props.resources?.length ? (
          <button type="button" className="rich-text-button" tabIndex={tabIndexFor()} aria-label="Resource" title="Link to a resource from the library" aria-expanded={panel === 'resource'} aria-controls={panelId} disabled={!ready} onClick={() => openPanel('resource')}>
            <span aria-hidden="true">Resource</span>
          </button>
        ) : null}
        <span className="rich-text-separator" aria-hidden="true" />
        <button type="button" className="rich-text-button" tabIndex={tabIndexFor()} aria-label="Undo" title="Undo" disabled={!ready || !state?.canUndo} onClick={() => editor?.chain().focus().undo().run()}>
          <span aria-hidden="true">↶</span>
        </button>
        <button type="button" className="rich-text-button" tabIndex={tabIndexFor()} aria-label="Redo" title="Redo" disabled={!ready || !state?.canRedo} onClick={() => editor?.chain().focus().redo().run()}>
          <span aria-hidden="true">↷</span>
        </button>
      </div>
      <div id={panelId} className="rich-text-panel" hidden={panel === null} role="group" aria-label={panel === 'image' ? 'Insert an image' : panel === 'resource' ? 'Link to a resource' : 'Link'}>
        {panel === 'resource' ? (
          <>
            <label>
              Resource from the library
              <select value={resourceUrl} onChange={(event) => setResourceUrl(event.target.value)} autoFocus aria-invalid={panelError ? true : undefined} aria-describedby={panelError ? `${panelId}-error` : undefined}>
                {(props.resources ?? []).map((option) => (
                  <option key={option.url} value={option.url}>
                    {option.title} ({option.kind})
                  </option>
                ))}
              </select>
            </label>
            <div className="rich-text-panel-actions">
              <button type="button" className="button small" onClick={applyPanel}>
                Insert link to resource
              </button>
              <button type="button" className="button secondary small" onClick={closePanel}>
                Cancel
              </button>
            </div>
            {panelError ? (
              <p className="error" id={`${panelId}-error`} role="alert">
                {panelError}
              </p>
            ) : null}
          </>
        ) : panel ? (
          <>
            <label>
              {panel === 'link' ? 'Link address' : 'Image address'}
              <input type="url" inputMode="url" value={url} onChange={(event) => setUrl(event.target.value)} onKeyDown={onPanelKeyDown} placeholder="https://" autoFocus aria-invalid={panelError ? true : undefined} aria-describedby={panelError ? `${panelId}-error` : undefined} />
            </label>
            {panel === 'image' ? (
              <label>
                Description (alt text)
                <input type="text" value={alt} onChange={(event) => setAlt(event.target.value)} onKeyDown={onPanelKeyDown} maxLength={300} />
              </label>
            ) : null}
            <div className="rich-text-panel-actions">
              <button type="button" className="button small" onClick={applyPanel}>
                {panel === 'link' ? 'Apply link' : 'Insert image'}
              </button>
              {panel === 'link' && state?.link ? (
                <button
                  type="button"
                  className="button secondary small"
                  onClick={() => {
                    editor?.chain().focus().extendMarkRange('link').unsetLink().run()
                    setPanel(null)
                  }}
                >
                  Remove link
                </button>
              ) : null}
              <button type="button" className="button secondary small" onClick={closePanel}>
                Cancel
              </button>
            </div>
            {panelError ? (
              <p className="error" id={`${panelId}-error`} role="alert">
                {panelError}
              </p>
            ) : null}
          </>
        ) : null}
      </div>
      <EditorContent editor={editor} className="rich-text-editor" />
      <input type="hidden" name={props.name} value={html} />
    </div>
  )
}
