/**
 * The SOQL subset the fake Salesforce understands: exactly the shapes the
 * connector issues. Anything else is a MALFORMED_QUERY, so a new query
 * shape in the connector shows up as a failing test instead of a silent
 * wrong answer.
 *
 *   SELECT f1, f2 FROM Object
 *   [WHERE cond]       cond: atom | cond AND cond | cond OR cond | (cond)
 *                      atom: field (= | != | < | <= | > | >=) literal
 *                            field [NOT] IN (literal, …) | field LIKE 'pattern'
 *   [ORDER BY f [ASC|DESC], …] [LIMIT n]
 */

export type SoqlLiteral =
  | { type: 'string'; value: string; raw: string }
  | { type: 'number'; value: number }
  | { type: 'boolean'; value: boolean }
  | { type: 'null' }
  | { type: 'datetime'; value: number }
  | { type: 'date'; value: string }

export type SoqlOperator = '=' | '!=' | '<' | '<=' | '>' | '>=' | 'LIKE' | 'IN' | 'NOT IN'

export type SoqlCondition =
  | { kind: 'and' | 'or'; parts: SoqlCondition[] }
  | { kind: 'compare'; field: string; operator: SoqlOperator; value: SoqlLiteral | SoqlLiteral[] }

export interface SoqlQuery {
  fields: string[]
  from: string
  where: SoqlCondition | null
  orderBy: { field: string; descending: boolean }[]
  limit: number | null
}

export class SoqlError extends Error {}

type Token = { kind: 'word' | 'string' | 'number' | 'datetime' | 'date' | 'symbol'; text: string }

const KEYWORDS = new Set(['SELECT', 'FROM', 'WHERE', 'AND', 'OR', 'NOT', 'IN', 'LIKE', 'ORDER', 'BY', 'ASC', 'DESC', 'LIMIT', 'TRUE', 'FALSE', 'NULL'])

function tokenize(soql: string): Token[] {
  const tokens: Token[] = []
  let index = 0
  while (index < soql.length) {
    const rest = soql.slice(index)
    const space = /^\s+/.exec(rest)
    if (space) {
      index += space[0].length
      continue
    }
    if (rest.startsWith("'")) {
      let end = 1
      while (end < rest.length && rest[end] !== "'") end += rest[end] === '\\' ? 2 : 1
      if (end >= rest.length) throw new SoqlError('unterminated string literal')
      tokens.push({ kind: 'string', text: rest.slice(1, end) })
      index += end + 1
      continue
    }
    const datetime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:?\d{2})/.exec(rest)
    if (datetime) {
      tokens.push({ kind: 'datetime', text: datetime[0] })
      index += datetime[0].length
      continue
    }
    const date = /^\d{4}-\d{2}-\d{2}(?![\dT])/.exec(rest)
    if (date) {
      tokens.push({ kind: 'date', text: date[0] })
      index += date[0].length
      continue
    }
    const number = /^-?\d+(?:\.\d+)?(?![\w.])/.exec(rest)
    if (number) {
      tokens.push({ kind: 'number', text: number[0] })
      index += number[0].length
      continue
    }
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest)
    if (word) {
      if (rest[word[0].length] === '.') throw new SoqlError(`relationship paths are not supported: ${word[0]}.`)
      tokens.push({ kind: 'word', text: word[0] })
      index += word[0].length
      continue
    }
    const symbol = /^(?:!=|<>|<=|>=|[=<>(),])/.exec(rest)
    if (symbol) {
      tokens.push({ kind: 'symbol', text: symbol[0] === '<>' ? '!=' : symbol[0] })
      index += symbol[0].length
      continue
    }
    throw new SoqlError(`unexpected character '${rest[0]}'`)
  }
  return tokens
}

export function parseSoql(soql: string): SoqlQuery {
  const tokens = tokenize(soql)
  let position = 0
  const peek = () => tokens[position]
  const isKeyword = (keyword: string) => {
    const token = peek()
    return token?.kind === 'word' && token.text.toUpperCase() === keyword
  }
  const expectKeyword = (keyword: string) => {
    if (!isKeyword(keyword)) throw new SoqlError(`expected ${keyword} near '${peek()?.text ?? 'end of query'}'`)
    position += 1
  }
  const isSymbol = (symbol: string) => peek()?.kind === 'symbol' && peek()?.text === symbol
  const expectSymbol = (symbol: string) => {
    if (!isSymbol(symbol)) throw new SoqlError(`expected '${symbol}' near '${peek()?.text ?? 'end of query'}'`)
    position += 1
  }
  const field = (): string => {
    const token = peek()
    if (token?.kind !== 'word' || KEYWORDS.has(token.text.toUpperCase())) throw new SoqlError(`expected a field name near '${token?.text ?? 'end of query'}'`)
    position += 1
    return token.text
  }
  const literal = (): SoqlLiteral => {
    const token = peek()
    if (!token) throw new SoqlError('expected a value at end of query')
    position += 1
    switch (token.kind) {
      case 'string':
        return { type: 'string', value: unescape(token.text), raw: token.text }
      case 'number':
        return { type: 'number', value: Number(token.text) }
      case 'datetime':
        return { type: 'datetime', value: Date.parse(token.text.replace(/([+-]\d{2})(\d{2})$/, '$1:$2')) }
      case 'date':
        return { type: 'date', value: token.text }
      case 'word': {
        const upper = token.text.toUpperCase()
        if (upper === 'TRUE' || upper === 'FALSE') return { type: 'boolean', value: upper === 'TRUE' }
        if (upper === 'NULL') return { type: 'null' }
        break
      }
      default:
        break
    }
    throw new SoqlError(`unexpected '${token.text}' where a value was expected`)
  }
  const atom = (): SoqlCondition => {
    if (isSymbol('(')) {
      position += 1
      const inner = or()
      expectSymbol(')')
      return inner
    }
    const name = field()
    if (isKeyword('NOT')) {
      position += 1
      expectKeyword('IN')
      return { kind: 'compare', field: name, operator: 'NOT IN', value: list() }
    }
    if (isKeyword('IN')) {
      position += 1
      return { kind: 'compare', field: name, operator: 'IN', value: list() }
    }
    if (isKeyword('LIKE')) {
      position += 1
      const pattern = literal()
      if (pattern.type !== 'string') throw new SoqlError('LIKE needs a string pattern')
      return { kind: 'compare', field: name, operator: 'LIKE', value: pattern }
    }
    const operator = peek()
    if (operator?.kind !== 'symbol' || !['=', '!=', '<', '<=', '>', '>='].includes(operator.text)) {
      throw new SoqlError(`expected an operator after ${name}`)
    }
    position += 1
    return { kind: 'compare', field: name, operator: operator.text as SoqlOperator, value: literal() }
  }
  const list = (): SoqlLiteral[] => {
    expectSymbol('(')
    const values = [literal()]
    while (isSymbol(',')) {
      position += 1
      values.push(literal())
    }
    expectSymbol(')')
    return values
  }
  const and = (): SoqlCondition => {
    const parts = [atom()]
    while (isKeyword('AND')) {
      position += 1
      parts.push(atom())
    }
    return parts.length === 1 && parts[0] ? parts[0] : { kind: 'and', parts }
  }
  const or = (): SoqlCondition => {
    const parts = [and()]
    while (isKeyword('OR')) {
      position += 1
      parts.push(and())
    }
    return parts.length === 1 && parts[0] ? parts[0] : { kind: 'or', parts }
  }

  expectKeyword('SELECT')
  const fields = [field()]
  while (isSymbol(',')) {
    position += 1
    fields.push(field())
  }
  expectKeyword('FROM')
  const from = field()
  let where: SoqlCondition | null = null
  if (isKeyword('WHERE')) {
    position += 1
    where = or()
  }
  const orderBy: SoqlQuery['orderBy'] = []
  if (isKeyword('ORDER')) {
    position += 1
    expectKeyword('BY')
    do {
      if (isSymbol(',')) position += 1
      const name = field()
      let descending = false
      if (isKeyword('ASC')) position += 1
      else if (isKeyword('DESC')) {
        position += 1
        descending = true
      }
      orderBy.push({ field: name, descending })
    } while (isSymbol(','))
  }
  let limit: number | null = null
  if (isKeyword('LIMIT')) {
    position += 1
    const value = literal()
    if (value.type !== 'number' || !Number.isInteger(value.value) || value.value < 0) throw new SoqlError('LIMIT needs a whole number')
    limit = value.value
  }
  if (position < tokens.length) throw new SoqlError(`unexpected token: '${peek()?.text}'`)
  return { fields, from, where, orderBy, limit }
}

function unescape(raw: string): string {
  return raw.replace(/\\(.)/g, (_match, char: string) => ({ n: '\n', r: '\r', t: '\t', b: '\b', f: '\f' })[char] ?? char)
}

/** LIKE is case-insensitive; `%` and `_` are wildcards unless escaped. */
export function likeToRegExp(raw: string): RegExp {
  let source = ''
  for (let index = 0; index < raw.length; index += 1) {
    const char = raw[index] ?? ''
    if (char === '\\') {
      const next = raw[index + 1] ?? ''
      source += next.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
      index += 1
    } else if (char === '%') source += '.*'
    else if (char === '_') source += '.'
    else source += char.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  }
  return new RegExp(`^${source}$`, 'is')
}
