import { describe, expect, it } from 'vitest'
import { attributionLabel, pipelineText, stageCounts } from './pipeline'

describe('pipeline presentation', () => {
  it('states the partner’s part in a deal', () => {
    expect(attributionLabel('sourced', 100)).toBe('Sourced 100 %')
    expect(attributionLabel('influenced', 30)).toBe('Influenced 30 %')
    expect(attributionLabel('influenced', 33.333)).toBe('Influenced 33.33 %')
  })

  it('shows values as text, and nothing as empty', () => {
    expect(pipelineText('owner', 'Dana Vendor')).toBe('Dana Vendor')
    expect(pipelineText('status', 'won')).toBe('Won')
    expect(pipelineText('amount', 25000.5)).toBe('25,000.5')
    expect(pipelineText('next_step', null)).toBe('')
    expect(pipelineText('next_step', undefined)).toBe('')
  })

  it('counts deals per stage, most first', () => {
    const deal = (stage: string | null) => ({ fields: { stage } })
    expect(stageCounts([deal('Proposal'), deal('Discovery'), deal('Proposal'), deal(null), deal('Closing')])).toEqual([
      { stage: 'Proposal', count: 2 },
      { stage: 'Closing', count: 1 },
      { stage: 'Discovery', count: 1 },
      { stage: 'No stage', count: 1 },
    ])
  })
})
