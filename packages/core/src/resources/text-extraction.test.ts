import { deflateSync } from 'fflate'
import { describe, expect, it } from 'vitest'
import { readZipDirectory } from './file-types'
import {
  decodeXmlEntities,
  extractResourceText,
  MAX_EXTRACTED_CHARS,
  MAX_ZIP_ENTRY_BYTES,
  normaliseExtractedText,
} from './text-extraction'
import { docxEntries, makeDocx, makePdf, makePng, makePptx, makeXlsx, makeZip, pptxEntries, xlsxEntries } from './testing/fixtures'

const PDF = 'application/pdf'
const PPTX = 'application/vnd.openxmlformats-officedocument.presentationml.presentation'
const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'

/** Overwrites the declared uncompressed size of `name` in the central directory (the lie a zip bomb tells). */
function patchDeclaredSize(zip: Uint8Array, name: string, size: number): Uint8Array {
  const copy = zip.slice()
  const view = new DataView(copy.buffer)
  const entry = readZipDirectory(copy).find((e) => e.name === name)
  if (!entry) throw new Error(`no ${name}`)
  // Find this entry's central directory header by its local header offset.
  for (let p = 0; p < copy.length - 46; p++) {
    if (view.getUint32(p, true) === 0x02014b50 && view.getUint32(p + 42, true) === entry.localHeaderOffset) {
      view.setUint32(p + 24, size, true)
      view.setUint32(entry.localHeaderOffset + 22, size, true)
      return copy
    }
  }
  throw new Error('central directory header not found')
}

describe('extractResourceText: PDF', () => {
  it('finds the text of a hand-written PDF', async () => {
    const text = await extractResourceText(makePdf(['Quarterly battle card for ACME']), PDF)
    expect(text).toBe('Quarterly battle card for ACME')
  })

  it('keeps lines apart and decodes Latin-1 and escaped parentheses', async () => {
    const text = await extractResourceText(makePdf(['Grüße aus Köln', 'Pricing (EMEA) \\ tiers']), PDF)
    expect(text).toBe('Grüße aus Köln\nPricing (EMEA) \\ tiers')
  })

  it('reads every page in order', async () => {
    const text = await extractResourceText(makePdf(['page one', 'page two', 'page three'], { linesPerPage: 1 }), PDF)
    expect(text).toBe('page one\n\npage two\n\npage three')
  })

  it('returns an empty string for a PDF without text', async () => {
    expect(await extractResourceText(makePdf([]), PDF)).toBe('')
  })

  it('throws a clear error on a password-protected PDF', async () => {
    await expect(extractResourceText(makePdf(['secret'], { passwordProtected: true }), PDF)).rejects.toThrow(/password-protected/)
  })

  it('throws a clear error on a damaged PDF', async () => {
    await expect(extractResourceText(new TextEncoder().encode('%PDF-1.7\nnot really'), PDF)).rejects.toThrow(/PDF/)
  })

  it('caps the text of a long PDF', async () => {
    // 70 pages × 40 lines × ~80 characters (text past the page edge is clipped by pdfjs, so lines stay short).
    const lines = Array.from({ length: 70 * 40 }, (_, i) => `line ${i} ${'lorem ipsum dolor '.repeat(4)}`)
    const text = await extractResourceText(makePdf(lines, { linesPerPage: 40 }), PDF)
    expect(text.length).toBe(MAX_EXTRACTED_CHARS)
    expect(text.startsWith('line 0 lorem')).toBe(true)
  })

  it('does not detach the caller’s buffer', async () => {
    const pdf = makePdf(['still here'])
    await extractResourceText(pdf, PDF)
    expect(pdf.byteLength).toBeGreaterThan(0)
    expect(new TextDecoder().decode(pdf.subarray(0, 5))).toBe('%PDF-')
  })
})

describe('extractResourceText: Office', () => {
  it('reads PPTX slides in slide order, paragraphs on their own lines', async () => {
    const slides = Array.from({ length: 12 }, (_, i) => [`Slide ${i + 1} title`, `Body ${i + 1}`])
    const text = await extractResourceText(makePptx(slides), PPTX)
    const titles = text.split('\n').filter((l) => l.endsWith('title'))
    expect(titles).toEqual(slides.map((s) => s[0]))
    expect(text.startsWith('Slide 1 title\nBody 1\n\nSlide 2 title')).toBe(true)
  })

  it('follows the presentation’s slide list, not the file numbering', async () => {
    const entries = pptxEntries([['first file'], ['second file'], ['third file']])
    // The user moved slide 3 to the front: PowerPoint rewrites sldIdLst, not the file names.
    entries['ppt/presentation.xml'] = entries['ppt/presentation.xml']!.replace(
      /<p:sldIdLst>.*<\/p:sldIdLst>/,
      '<p:sldIdLst><p:sldId id="258" r:id="rId3"/><p:sldId id="256" r:id="rId1"/><p:sldId id="257" r:id="rId2"/></p:sldIdLst>',
    )
    expect(await extractResourceText(makeZip(entries), PPTX)).toBe('third file\n\nfirst file\n\nsecond file')
  })

  it('decodes XML entities', async () => {
    const text = await extractResourceText(makePptx([['R&D <beta> "quoted" it’s 5 > 3']]), PPTX)
    expect(text).toBe('R&D <beta> "quoted" it’s 5 > 3')
    expect(decodeXmlEntities('&lt;a&gt; &amp;amp; &#65;&#x42; &#0; &#xD800; &unknown;')).toBe('<a> &amp; AB   &unknown;')
  })

  it('reads DOCX paragraphs', async () => {
    expect(await extractResourceText(makeDocx(['Partner onboarding', 'Step 1: sign the NDA']), DOCX)).toBe(
      'Partner onboarding\nStep 1: sign the NDA',
    )
  })

  it('keeps <w:tab/> apart from <w:t> and joins runs of one paragraph', async () => {
    const entries = docxEntries([])
    entries['word/document.xml'] =
      '<w:document xmlns:w="w"><w:body><w:p><w:r><w:t>Ta</w:t></w:r><w:r><w:tab/><w:t xml:space="preserve">ble </w:t>' +
      '<w:t>row</w:t><w:br/><w:t>next</w:t></w:r></w:p><w:tbl><w:tr><w:tc><w:p><w:r><w:t>cell</w:t></w:r></w:p></w:tc></w:tr></w:tbl></w:body></w:document>'
    expect(await extractResourceText(makeZip(entries), DOCX)).toBe('Ta ble row\nnext\ncell')
  })

  it('reads hostile XML in linear time (unclosed tags by the hundred thousand)', async () => {
    const started = Date.now()
    const docx = makeZip({ ...docxEntries([]), 'word/document.xml': '<w:t <w:br '.repeat(200_000) })
    const xlsx = makeZip({ ...xlsxEntries([]), 'xl/sharedStrings.xml': '<rPh <t '.repeat(200_000) })
    const pptx = makeZip({ ...pptxEntries([['x']]), 'ppt/presentation.xml': '<p:sldIdLst <p:sldId '.repeat(200_000) })
    await extractResourceText(docx, DOCX)
    await extractResourceText(xlsx, XLSX)
    await extractResourceText(pptx, PPTX)
    // Quadratic patterns took hours on inputs like these; linear ones take well under a second each.
    expect(Date.now() - started).toBeLessThan(5_000)
  })

  it('reads XLSX shared strings', async () => {
    expect(await extractResourceText(makeXlsx(['Region', 'Revenue & margin', 'EMEA']), XLSX)).toBe('Region\nRevenue & margin\nEMEA')
  })

  it('strips NUL bytes and normalises whitespace', async () => {
    const text = await extractResourceText(makeDocx(['  a\u0000b  \t c  ', '', '', '', 'd']), DOCX)
    expect(text).toBe('a b c\n\nd')
    expect(text).not.toContain('\u0000')
  })

  it('caps the text', async () => {
    const paragraphs = Array.from({ length: 3000 }, (_, i) => `Paragraph ${i} ${'lorem ipsum '.repeat(10)}`)
    const text = await extractResourceText(makeDocx(paragraphs), DOCX)
    expect(text.length).toBeLessThanOrEqual(MAX_EXTRACTED_CHARS)
    expect(text.length).toBeGreaterThan(MAX_EXTRACTED_CHARS - 200)
    expect(text.startsWith('Paragraph 0 lorem')).toBe(true)
  })

  it('refuses an entry whose declared size is too large, without inflating it', async () => {
    const docx = patchDeclaredSize(makeDocx(['tiny']), 'word/document.xml', MAX_ZIP_ENTRY_BYTES + 1)
    await expect(extractResourceText(docx, DOCX)).rejects.toThrow(/too large.*declares 20971521 bytes/)
  })

  it('stops inflating an entry that lies about its size (zip bomb)', async () => {
    const bomb = new Uint8Array(MAX_ZIP_ENTRY_BYTES + 5 * 1024 * 1024) // zeros: compresses ~1000:1
    const zip = patchDeclaredSize(makeZip({ ...docxEntries([]), 'word/document.xml': bomb }), 'word/document.xml', 100)
    expect(zip.length).toBeLessThan(200_000)
    await expect(extractResourceText(zip, DOCX)).rejects.toThrow(/too large.*inflates past/)
  })

  it('throws on a damaged archive', async () => {
    const pptx = makePptx([['x']])
    await expect(extractResourceText(pptx.subarray(0, 40), PPTX)).rejects.toThrow(/not a readable Office document/)
    const corrupt = makeZip({ ...docxEntries([]), 'word/document.xml': 'x' })
    // Replace the entry's deflate data with garbage of the same length.
    const entry = readZipDirectory(corrupt).find((e) => e.name === 'word/document.xml')!
    const start = entry.localHeaderOffset + 30 + 'word/document.xml'.length
    corrupt.set(deflateSync(new Uint8Array([1])).map(() => 0xff).subarray(0, entry.compressedSize), start)
    await expect(extractResourceText(corrupt, DOCX)).rejects.toThrow(/damaged|could not be decompressed/)
  })
})

describe('extractResourceText: other types', () => {
  it('returns an empty string for images', async () => {
    expect(await extractResourceText(makePng(), 'image/png')).toBe('')
    expect(await extractResourceText(new Uint8Array([0xff, 0xd8, 0xff]), 'image/jpeg')).toBe('')
  })

  it('throws for unsupported types', async () => {
    await expect(extractResourceText(new TextEncoder().encode('<html>'), 'text/html')).rejects.toThrow(/not supported/)
  })
})

describe('normaliseExtractedText', () => {
  it('removes control characters and lone surrogates, keeps pairs', () => {
    expect(normaliseExtractedText('a\u0000\u0007b\r\nc\ud800d 😀')).toBe('a b\ncd 😀')
  })

  it('never cuts a surrogate pair at the cap', () => {
    const text = normaliseExtractedText(`${'a'.repeat(MAX_EXTRACTED_CHARS - 1)}😀tail`)
    expect(text.length).toBe(MAX_EXTRACTED_CHARS - 1)
  })
})
