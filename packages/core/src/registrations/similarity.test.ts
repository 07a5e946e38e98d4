import { sql } from '@accord/db'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDeps, type TestDeps } from '../testing/test-context.js'
import { trigramSimilarity } from './similarity.js'

let deps: TestDeps
beforeAll(async () => {
  deps = await createTestDeps()
})
afterAll(async () => {
  await deps.close()
})

describe('trigram similarity agrees with pg_trgm', () => {
  it.each([
    ['acme', 'acme'],
    ['acme software', 'acme hardware'],
    ['globex', 'globex corp'],
    ['northwind traders', 'north wind traders'],
    ['muller and sohne', 'mueller and soehne'],
    ['a', 'b'],
    ['zürich versicherung', 'zurich versicherung'],
  ])('%j vs %j', async (left, right) => {
    const { rows } = await sql<{ score: number }>`select similarity(${left}, ${right})::float8 as score`.execute(deps.ownerDb)
    expect(trigramSimilarity(left, right)).toBeCloseTo(rows[0]?.score ?? Number.NaN, 5)
  })
})
