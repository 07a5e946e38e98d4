import { unzipSync, zipSync } from 'fflate'
import { describe, expect, it } from 'vitest'
import {
  ACCEPTED_RESOURCE_EXTENSIONS,
  contentDisposition,
  readZipDirectory,
  REFUSALS,
  safeDownloadFileName,
  sniffResourceFile,
} from './file-types'
import { docxEntries, makeDocx, makePdf, makePng, makePptx, makeXlsx, makeZip, pptxEntries } from './testing/fixtures'

const text = (s: string) => new TextEncoder().encode(s)
const bytes = (...parts: Array<number[] | string>) =>
  new Uint8Array(parts.flatMap((p) => (typeof p === 'string' ? Array.from(p, (c) => c.charCodeAt(0)) : p)))

const JPEG = bytes([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10], 'JFIF\0', [1, 1, 0, 0, 1, 0, 1, 0, 0])
const GIF = bytes('GIF89a', [1, 0, 1, 0, 0x80, 0, 0], [0, 0, 0, 255, 255, 255], ';')
const WEBP = bytes('RIFF', [26, 0, 0, 0], 'WEBPVP8L', [13, 0, 0, 0, 0x2f, 0, 0, 0, 0x10, 0x07, 0x10, 0x11, 0x11, 0x88, 0x88, 0xfe, 0x07, 0])
const OLE = bytes([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1], new Array(504).fill(0))

function expectType(result: ReturnType<typeof sniffResourceFile>) {
  if (!result.ok) throw new Error(`refused: ${result.message}`)
  return result.type
}

function expectRefused(result: ReturnType<typeof sniffResourceFile>): string {
  if (result.ok) throw new Error(`accepted as ${result.type.mime}`)
  return result.message
}

describe('sniffResourceFile: accepted types', () => {
  it.each([
    ['PDF', makePdf(['Quarterly battle card for ACME']), 'card.pdf', 'application/pdf', 'pdf', true, true],
    ['PNG', makePng(), 'logo.png', 'image/png', 'png', true, false],
    ['JPEG', JPEG, 'photo.jpg', 'image/jpeg', 'jpg', true, false],
    ['GIF', GIF, 'anim.gif', 'image/gif', 'gif', true, false],
    ['WebP', WEBP, 'pic.webp', 'image/webp', 'webp', true, false],
    ['PowerPoint', makePptx([['Hello']]), 'deck.pptx', 'application/vnd.openxmlformats-officedocument.presentationml.presentation', 'pptx', false, true],
    ['Word', makeDocx(['Hello']), 'brief.docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'docx', false, true],
    ['Excel', makeXlsx(['Hello']), 'sheet.xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'xlsx', false, true],
  ] as const)('%s', (label, file, name, mime, extension, previewInline, extractsText) => {
    const type = expectType(sniffResourceFile(file, name))
    expect(type).toEqual({ mime, extension, label: expect.stringContaining(label), previewInline, extractsText })
  })

  it('labels types for people', () => {
    expect(expectType(sniffResourceFile(makePdf([]), 'x.pdf')).label).toBe('PDF')
    expect(expectType(sniffResourceFile(makePptx([]), 'x.pptx')).label).toBe('PowerPoint')
    expect(expectType(sniffResourceFile(makePng(), 'x.png')).label).toBe('PNG image')
  })

  it('accepts .jpg and .jpeg for JPEG', () => {
    expect(expectType(sniffResourceFile(JPEG, 'a.jpeg')).mime).toBe('image/jpeg')
    expect(expectType(sniffResourceFile(JPEG, 'a.jpg')).mime).toBe('image/jpeg')
  })

  it('takes the type from the bytes when the name has no extension', () => {
    expect(expectType(sniffResourceFile(makePdf(['x']), 'Battle card')).mime).toBe('application/pdf')
    expect(expectType(sniffResourceFile(makePptx([['x']]), 'Q3 deck v1.2')).extension).toBe('pptx')
    expect(expectType(sniffResourceFile(makePng(), '')).mime).toBe('image/png')
  })

  it('compares extensions case-insensitively', () => {
    expect(expectType(sniffResourceFile(makePdf(['x']), 'REPORT.PDF')).mime).toBe('application/pdf')
    expect(expectType(sniffResourceFile(JPEG, 'IMG_0001.JpEg')).mime).toBe('image/jpeg')
    expect(expectType(sniffResourceFile(makePptx([['x']]), 'Deck.PPTX')).extension).toBe('pptx')
  })

  it('ignores directories in the file name', () => {
    expect(expectType(sniffResourceFile(makePdf(['x']), 'C:\\Users\\me.png\\card.pdf')).mime).toBe('application/pdf')
  })

  it('exposes the accept list', () => {
    expect(ACCEPTED_RESOURCE_EXTENSIONS).toEqual(['.pdf', '.pptx', '.docx', '.xlsx', '.png', '.jpg', '.jpeg', '.gif', '.webp'])
  })
})

describe('sniffResourceFile: disguises', () => {
  it('refuses a PNG named .pdf', () => {
    expect(expectRefused(sniffResourceFile(makePng(), 'deck.pdf'))).toBe(
      'The file is named .pdf but its content is a PNG image. Rename it or upload the right file.',
    )
  })

  it('refuses a PDF named .png', () => {
    expect(expectRefused(sniffResourceFile(makePdf(['x']), 'report.png'))).toMatch(/named \.png but its content is a PDF/)
  })

  it('refuses OOXML under another OOXML extension', () => {
    expect(expectRefused(sniffResourceFile(makeDocx(['x']), 'deck.pptx'))).toMatch(/named \.pptx but its content is a Word document/)
    expect(expectRefused(sniffResourceFile(makePptx([['x']]), 'deck.PPT'))).toMatch(/named \.ppt but its content is a PowerPoint/)
  })

  it('refuses accepted content named as script', () => {
    expect(expectRefused(sniffResourceFile(makePng(), 'x.html'))).toMatch(/named \.html but its content is a PNG image/)
  })
})

describe('sniffResourceFile: refusals', () => {
  it('refuses an empty file', () => {
    expect(expectRefused(sniffResourceFile(new Uint8Array(0), 'a.pdf'))).toBe(REFUSALS.empty)
  })

  it('refuses legacy OLE Office files', () => {
    for (const name of ['deck.ppt', 'brief.doc', 'sheet.xls', 'deck.pptx', 'noext']) {
      expect(expectRefused(sniffResourceFile(OLE, name))).toBe(
        'Legacy Office files (.ppt/.doc/.xls) are not accepted; save it as .pptx/.docx/.xlsx.',
      )
    }
  })

  it('refuses password-protected OOXML (an OLE container with an EncryptedPackage stream)', () => {
    const encrypted = bytes([...OLE], Array.from('EncryptedPackage').flatMap((c) => [c.charCodeAt(0), 0]))
    expect(expectRefused(sniffResourceFile(encrypted, 'deck.pptx'))).toBe(REFUSALS.passwordProtected)
  })

  it.each([
    ['Windows PE', bytes('MZ', [0x90, 0, 3, 0, 0, 0]), 'setup.exe'],
    ['PE renamed', bytes('MZ', [0x90, 0, 3, 0, 0, 0]), 'deck.pdf'],
    ['ELF', bytes([0x7f], 'ELF', [2, 1, 1, 0]), 'tool'],
    ['Mach-O 64', bytes([0xcf, 0xfa, 0xed, 0xfe, 7, 0, 0, 1]), 'app'],
    ['Mach-O universal', bytes([0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 2]), 'app.png'],
    ['shebang', text('#!/bin/sh\nrm -rf /\n'), 'run.pdf'],
  ])('refuses executables: %s', (_label, file, name) => {
    expect(expectRefused(sniffResourceFile(file, name))).toBe(REFUSALS.executable)
  })

  it.each([
    ['HTML', '<!DOCTYPE html><html><body><script>alert(1)</script></body></html>', 'page.html'],
    ['HTML named .pdf', '<html><script>alert(1)</script></html>', 'deck.pdf'],
    ['HTML with BOM and whitespace', '\uFEFF\n\n  <HTML><body>hi</body></HTML>', 'x'],
    ['SVG', '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', 'logo.svg'],
    ['SVG named .png', '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>x()</script></svg>', 'logo.png'],
    ['XML', '<?xml version="1.0"?><root/>', 'data.xml'],
    ['JavaScript', 'fetch("/api/secrets").then(r => r.text())\n', 'app.js'],
    ['script hidden after text', 'Hello partner,\nplease see <script src="//evil"></script>', 'note.txt'],
  ])('refuses script-capable text: %s', (_label, content, name) => {
    expect(expectRefused(sniffResourceFile(text(content), name))).toMatch(/could run scripts in a browser/)
  })

  it('refuses UTF-16 HTML', () => {
    const utf16 = new Uint8Array([0xff, 0xfe, ...Array.from('<html><script>1</script></html>').flatMap((c) => [c.charCodeAt(0), 0])])
    expect(expectRefused(sniffResourceFile(utf16, 'x.htm'))).toBe(REFUSALS.script)
  })

  it('refuses plain text', () => {
    expect(expectRefused(sniffResourceFile(text('Just some notes.\n'), 'notes.txt'))).toBe(REFUSALS.text)
    expect(expectRefused(sniffResourceFile(text('a,b\n1,2\n'), 'data.csv'))).toBe(REFUSALS.text)
  })

  it('refuses plain ZIP archives', () => {
    const zip = makeZip({ 'readme.txt': 'hi', 'deck.pdf': makePdf(['x']) })
    expect(expectRefused(sniffResourceFile(zip, 'bundle.zip'))).toMatch(/^ZIP archives are not accepted/)
    expect(expectRefused(sniffResourceFile(zip, 'bundle.pptx'))).toMatch(/^ZIP archives are not accepted/)
    expect(expectRefused(sniffResourceFile(bytes('PK', [5, 6], new Array(18).fill(0)), 'empty.zip'))).toBe(REFUSALS.zip)
  })

  it('refuses a ZIP that has an Office part but no [Content_Types].xml', () => {
    const entries: Record<string, string> = pptxEntries([['x']])
    delete entries['[Content_Types].xml']
    expect(expectRefused(sniffResourceFile(makeZip(entries), 'deck.pptx'))).toBe(REFUSALS.zip)
  })

  it('refuses macro-enabled Office files', () => {
    const zip = makeZip({ ...docxEntries(['x']), 'word/vbaProject.bin': new Uint8Array([1, 2, 3]) })
    expect(expectRefused(sniffResourceFile(zip, 'brief.docx'))).toBe(REFUSALS.macroOffice)
  })

  it('refuses macro-enabled content types and ActiveX controls even without a VBA part name', () => {
    const entries = pptxEntries([['x']])
    const macroTypes = makeZip({ ...entries, '[Content_Types].xml': (entries['[Content_Types].xml'] ?? '').replace('presentationml.presentation.main+xml', 'ms-powerpoint.presentation.macroEnabled.main+xml') })
    expect(expectRefused(sniffResourceFile(macroTypes, 'deck.pptx'))).toBe(REFUSALS.macroOffice)
    const activeX = makeZip({ ...docxEntries(['x']), 'word/activeX/activeX1.xml': '<ax/>' })
    expect(expectRefused(sniffResourceFile(activeX, 'brief.docx'))).toBe(REFUSALS.macroOffice)
  })

  it('refuses an OpenDocument-looking ZIP with a broken local header as damaged instead of failing', () => {
    const odt = rezipStored(makeZip({ mimetype: 'application/vnd.oasis.opendocument.text', 'content.xml': '<x/>', 'META-INF/manifest.xml': '<m/>' }))
    const broken = odt.slice()
    broken[0] = 0 // the first local header's signature
    broken[1] = 0
    const result = sniffResourceFile(broken, 'brief.odt')
    expect(result.ok).toBe(false)
  })

  it('refuses OpenDocument files', () => {
    const odt = makeZip({ mimetype: 'application/vnd.oasis.opendocument.text', 'content.xml': '<x/>', 'META-INF/manifest.xml': '<m/>' })
    expect(expectRefused(sniffResourceFile(rezipStored(odt), 'brief.odt'))).toBe(REFUSALS.openDocument)
  })

  it('refuses a damaged ZIP', () => {
    const pptx = makePptx([['x']])
    expect(expectRefused(sniffResourceFile(pptx.subarray(0, pptx.length - 30), 'deck.pptx'))).toBe(REFUSALS.damagedZip)
  })

  it('refuses unknown binaries', () => {
    expect(expectRefused(sniffResourceFile(new Uint8Array([0, 1, 2, 3, 0, 0, 0, 9, 200, 201]), 'blob.bin'))).toBe(REFUSALS.unknown)
  })

  it('reads the central directory without inflating', () => {
    const names = readZipDirectory(makePptx([['a'], ['b']])).map((e) => e.name)
    expect(names).toEqual(expect.arrayContaining(['[Content_Types].xml', 'ppt/presentation.xml', 'ppt/slides/slide2.xml']))
  })
})

/** Same archive with every entry stored (method 0) and "mimetype" first, as OpenDocument writes it. */
function rezipStored(zip: Uint8Array): Uint8Array {
  const files = unzipSync(zip) // a 3-entry test archive; production code never inflates to sniff
  const ordered: Record<string, Uint8Array> = {}
  if (files.mimetype) ordered.mimetype = files.mimetype
  for (const [k, v] of Object.entries(files)) if (k !== 'mimetype') ordered[k] = v
  return zipSync(ordered, { level: 0, mtime: new Date(2024, 0, 1) })
}

describe('safeDownloadFileName', () => {
  it('uses the title and the canonical extension', () => {
    expect(safeDownloadFileName('Q3 Battle Card', 'upload.PDF', 'pdf')).toBe('Q3 Battle Card.pdf')
    expect(safeDownloadFileName('Team photo', 'IMG.jpeg', 'jpg')).toBe('Team photo.jpg')
  })

  it('falls back to the uploaded name without its extension', () => {
    expect(safeDownloadFileName(null, 'Partner deck.pptx', 'pptx')).toBe('Partner deck.pptx')
    expect(safeDownloadFileName('   ', 'C:\\fakepath\\brief.DOCX', 'docx')).toBe('brief.docx')
  })

  it('does not double the extension', () => {
    expect(safeDownloadFileName('Deck.pdf', 'x.pdf', 'pdf')).toBe('Deck.pdf')
    expect(safeDownloadFileName('Deck.PDF', 'x.pdf', '.pdf')).toBe('Deck.pdf')
  })

  it('transliterates and strips unsafe characters', () => {
    expect(safeDownloadFileName('Grüße aus Köln – Straße', 'x.pdf', 'pdf')).toBe('Gruesse aus Koeln - Strasse.pdf')
    expect(safeDownloadFileName('Café "déjà vu"', 'x.pdf', 'pdf')).toBe('Cafe -deja vu.pdf')
    const nasty = safeDownloadFileName('../../etc/passwd\r\nX-Evil: 1\u0000"\'`;<>|?*', 'x.pdf', 'pdf')
    expect(nasty).toMatch(/^[A-Za-z0-9 ._,()&+-]+\.pdf$/)
    expect(nasty).not.toMatch(/["'\/\\\r\n\u0000]/)
    expect(nasty.startsWith('.')).toBe(false)
  })

  it('never returns an empty or reserved name', () => {
    expect(safeDownloadFileName('日本語', 'x.png', 'png')).toBe('download.png')
    expect(safeDownloadFileName('...', '', 'pdf')).toBe('download.pdf')
    expect(safeDownloadFileName('CON', 'x.pdf', 'pdf')).toBe('CON-file.pdf')
  })

  it('caps the length at 120 characters including the extension', () => {
    const name = safeDownloadFileName('A'.repeat(500), 'x.xlsx', 'xlsx')
    expect(name.length).toBeLessThanOrEqual(120)
    expect(name.endsWith('.xlsx')).toBe(true)
    const spaced = safeDownloadFileName(`${'word '.repeat(100)}`, 'x.pdf', 'pdf')
    expect(spaced.length).toBeLessThanOrEqual(120)
    expect(spaced).toMatch(/[a-z]\.pdf$/)
  })
})

describe('contentDisposition', () => {
  function parse(header: string) {
    const m = /^(inline|attachment); filename="([^"]*)"; filename\*=UTF-8''([A-Za-z0-9!#$&+\-.^_`|~%]*)$/.exec(header)
    if (!m) throw new Error(`malformed: ${header}`)
    return { type: m[1], fallback: m[2]!, exact: decodeURIComponent(m[3]!) }
  }

  it('gives an ASCII fallback and the exact UTF-8 name', () => {
    const header = contentDisposition('attachment', 'Grüße aus Köln.pdf')
    expect(header).toBe(`attachment; filename="Gruesse aus Koeln.pdf"; filename*=UTF-8''Gr%C3%BC%C3%9Fe%20aus%20K%C3%B6ln.pdf`)
    expect(parse(header)).toEqual({ type: 'attachment', fallback: 'Gruesse aus Koeln.pdf', exact: 'Grüße aus Köln.pdf' })
  })

  it('supports inline', () => {
    expect(contentDisposition('inline', 'card.pdf')).toBe(`inline; filename="card.pdf"; filename*=UTF-8''card.pdf`)
  })

  it('neutralises quotes, newlines, and path separators', () => {
    const header = contentDisposition('attachment', '../evil"name\r\nSet-Cookie: a=b\\x.pdf')
    expect(header).not.toMatch(/[\r\n]/)
    const { fallback, exact } = parse(header)
    expect(fallback).not.toMatch(/["\\/]/)
    expect(exact).not.toMatch(/[\r\n\\/]/)
    expect(exact).toContain('"') // kept in the exact name, but percent-encoded on the wire
    expect(header).toContain('%22')
    expect(exact.endsWith('x.pdf')).toBe(true)
  })

  it("percent-encodes characters outside RFC 5987 attr-char (' ( ) *)", () => {
    const header = contentDisposition('attachment', "it's (final)*.pdf")
    expect(header).toContain(`filename*=UTF-8''it%27s%20%28final%29%2A.pdf`)
    expect(parse(header).exact).toBe("it's (final)*.pdf")
  })

  it('falls back to "download" when nothing ASCII is left', () => {
    expect(parse(contentDisposition('attachment', '資料')).fallback).toBe('download')
    expect(parse(contentDisposition('attachment', '資料')).exact).toBe('資料')
  })
})
