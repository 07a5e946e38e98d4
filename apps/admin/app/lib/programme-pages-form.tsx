import { RichTextEditor, SubmitButton } from '@accord/ui'
import { Form, Link } from '@remix-run/react'
import { InputField } from '~/components/form-controls'
import { FormError, usePageAction, useSubmitting, valueOf } from '~/components/forms'
import type { FormFailure } from './forms'

/**
 * The programme page editor (new and edit pages): title, address, rich text,
 * then Save draft / Save and publish (or Save changes once published). Field
 * errors from the server show next to their fields.
 */

export interface EditorProgrammePage {
  id: string
  title: string
  slug: string
  body_html: string
  status: string
}

export function ProgrammePageForm(props: { page: EditorProgrammePage | null; failure: FormFailure | null; formRef: React.RefObject<HTMLFormElement>; titleId: string; cancelHref: string }) {
  const { page, failure } = props
  const pageAction = usePageAction()
  const saving = useSubmitting('save')
  const publishing = useSubmitting('publish')
  const errors = (name: string) => failure?.fieldErrors[name]
  const published = page?.status === 'published'
  return (
    <Form method="post" action={pageAction} className="stack" noValidate ref={props.formRef} aria-labelledby={props.titleId}>
      <FormError failure={failure} />
      <div className="card stack">
        <InputField label="Title" name="title" required maxLength={120} defaultValue={valueOf(failure, 'title', page?.title)} errors={errors('title')} hint="Shown to partners as the page heading, e.g. Conflict policy." />
        <InputField
          label="Address"
          name="slug"
          maxLength={60}
          autoCapitalize="none"
          defaultValue={valueOf(failure, 'slug', page?.slug)}
          errors={errors('slug')}
          hint={`The last part of the page’s portal address (…/programme/${page?.slug || 'conflict-policy'}): lowercase letters, digits and hyphens. Leave it empty to make one from the title.${published ? ' Changing it breaks links partners may have saved.' : ''}`}
        />
        <RichTextEditor
          label="Text"
          name="bodyHtml"
          defaultValue={valueOf(failure, 'bodyHtml', page?.body_html)}
          errors={errors('bodyHtml')}
          maxLength={200_000}
          hint="Use headings (H2, H3) for sections: with three or more, partners get a table of contents. Scripts and styles are removed when you save."
        />
      </div>
      <div className="button-row">
        {published ? (
          <SubmitButton name="intent" value="save" pending={saving} pendingLabel="Saving…">
            Save changes
          </SubmitButton>
        ) : (
          <>
            <SubmitButton name="intent" value="save" variant="secondary" pending={saving} pendingLabel="Saving…">
              Save draft
            </SubmitButton>
            <SubmitButton name="intent" value="publish" pending={publishing} pendingLabel="Publishing…">
              Save and publish
            </SubmitButton>
          </>
        )}
        <Link to={props.cancelHref} className="button secondary">
          Cancel
        </Link>
      </div>
      {published ? <p className="hint muted small">This page is published: saved changes are visible to partners at once.</p> : null}
    </Form>
  )
}
