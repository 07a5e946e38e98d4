import { describe, expect, it } from 'vitest'
import { addBusinessHours, businessHoursBetween, isWithinBusinessHours, type BusinessHours } from './business-hours.js'

const MS_PER_HOUR = 3_600_000
const ALL_DAYS = [1, 2, 3, 4, 5, 6, 7]

/** The tenant default from settings.ts. */
const berlin: BusinessHours = { timeZone: 'Europe/Berlin', startHour: 9, endHour: 17, workingDays: [1, 2, 3, 4, 5] }
const newYork: BusinessHours = { ...berlin, timeZone: 'America/New_York' }
const kolkata: BusinessHours = { ...berlin, timeZone: 'Asia/Kolkata' }
const berlinEveryDay: BusinessHours = { ...berlin, workingDays: ALL_DAYS }
const berlinNights: BusinessHours = { ...berlin, startHour: 0, endHour: 8, workingDays: ALL_DAYS }
const berlinRoundTheClock: BusinessHours = { ...berlin, startHour: 0, endHour: 24, workingDays: ALL_DAYS }
const newYorkRoundTheClock: BusinessHours = { ...berlinRoundTheClock, timeZone: 'America/New_York' }

/** Compare as UTC ISO strings so failures show both instants readably. */
function iso(value: string | Date): string {
  return (typeof value === 'string' ? new Date(value) : value).toISOString()
}

describe('addBusinessHours', () => {
  // 2026-01-12 is a Monday; Berlin is on CET (+01:00).
  it.each([
    ['Friday 16:00 + 2h rolls over the weekend', '2026-01-16T16:00:00+01:00', 2, '2026-01-19T10:00:00+01:00'],
    ['Monday 09:00 + 8h closes the same day', '2026-01-12T09:00:00+01:00', 8, '2026-01-12T17:00:00+01:00'],
    ['Monday 09:00 + 40h ends Friday 17:00, not Monday 09:00', '2026-01-12T09:00:00+01:00', 40, '2026-01-16T17:00:00+01:00'],
    ['Monday 09:00 + 48h (the SLA) ends next Monday 17:00', '2026-01-12T09:00:00+01:00', 48, '2026-01-19T17:00:00+01:00'],
    ['Monday 12:30 + 48h ends next Tuesday 12:30', '2026-01-12T12:30:00+01:00', 48, '2026-01-20T12:30:00+01:00'],
    ['a Saturday start counts from Monday 09:00', '2026-01-17T11:00:00+01:00', 3, '2026-01-19T12:00:00+01:00'],
    ['a Sunday-night start counts from Monday 09:00', '2026-01-18T23:59:00+01:00', 48, '2026-01-26T17:00:00+01:00'],
    ['a 20:00 start counts from the next morning', '2026-01-13T20:00:00+01:00', 1, '2026-01-14T10:00:00+01:00'],
    ['an early-morning start counts from 09:00', '2026-01-13T07:30:00+01:00', 1, '2026-01-13T10:00:00+01:00'],
    ['a start exactly at closing counts from the next morning', '2026-01-13T17:00:00+01:00', 1, '2026-01-14T10:00:00+01:00'],
    ['half an hour', '2026-01-12T09:00:00+01:00', 0.5, '2026-01-12T09:30:00+01:00'],
    ['fractional hours across the weekend', '2026-01-16T16:30:00+01:00', 0.75, '2026-01-19T09:15:00+01:00'],
    ['seconds inside the start are kept', '2026-01-12T10:15:42.123+01:00', 1, '2026-01-12T11:15:42.123+01:00'],
    ['720h = 18 full weeks, across the March DST change', '2026-01-05T09:00:00+01:00', 720, '2026-05-08T17:00:00+02:00'],
  ])('%s', (_name, start, hours, expected) => {
    expect(iso(addBusinessHours(new Date(start), hours, berlin))).toBe(iso(expected))
  })

  it('returns the start unchanged for zero or negative hours', () => {
    const saturday = new Date('2026-01-17T11:00:00+01:00')
    expect(iso(addBusinessHours(saturday, 0, berlin))).toBe(iso(saturday))
    expect(iso(addBusinessHours(saturday, -3, berlin))).toBe(iso(saturday))
  })

  it('rejects non-finite hours and invalid dates', () => {
    expect(() => addBusinessHours(new Date(), Number.NaN, berlin)).toThrow(RangeError)
    expect(() => addBusinessHours(new Date(), Number.POSITIVE_INFINITY, berlin)).toThrow(RangeError)
    expect(() => addBusinessHours(new Date(Number.NaN), 1, berlin)).toThrow(RangeError)
  })

  it('does not mutate the start date', () => {
    const start = new Date('2026-01-16T16:00:00+01:00')
    addBusinessHours(start, 2, berlin)
    expect(iso(start)).toBe(iso('2026-01-16T16:00:00+01:00'))
  })

  describe('across Berlin DST changes (2026-03-29 and 2026-10-25)', () => {
    it.each([
      ['spring: Friday CET → Monday CEST', berlin, '2026-03-27T16:00:00+01:00', 2, '2026-03-30T10:00:00+02:00'],
      ['spring: 48h SLA spanning the change', berlin, '2026-03-23T09:00:00+01:00', 48, '2026-03-30T17:00:00+02:00'],
      ['spring: working Sunday opens at 09:00 CEST', berlinEveryDay, '2026-03-28T16:00:00+01:00', 2, '2026-03-29T10:00:00+02:00'],
      ['spring: the 00–08 window on the change night holds only 7h', berlinNights, '2026-03-29T00:00:00+01:00', 8, '2026-03-30T01:00:00+02:00'],
      ['autumn: Friday CEST → Monday CET', berlin, '2026-10-23T16:00:00+02:00', 2, '2026-10-26T10:00:00+01:00'],
      ['autumn: 48h SLA spanning the change', berlin, '2026-10-19T09:00:00+02:00', 48, '2026-10-26T17:00:00+01:00'],
      ['autumn: working Sunday opens at 09:00 CET', berlinEveryDay, '2026-10-24T16:00:00+02:00', 2, '2026-10-25T10:00:00+01:00'],
      ['autumn: the 00–08 window on the change night holds 9h', berlinNights, '2026-10-25T00:00:00+02:00', 8, '2026-10-25T07:00:00+01:00'],
      [
        'spring: an opening in the skipped hour (02:00) moves to 03:00 CEST',
        { ...berlinEveryDay, startHour: 2, endHour: 10 },
        '2026-03-28T12:00:00+01:00',
        1,
        '2026-03-29T04:00:00+02:00',
      ],
      [
        'autumn: an opening in the repeated hour (02:00) uses the first 02:00',
        { ...berlinEveryDay, startHour: 2, endHour: 10 },
        '2026-10-24T12:00:00+02:00',
        1,
        '2026-10-25T02:00:00+01:00',
      ],
    ])('%s', (_name, calendar, start, hours, expected) => {
      expect(iso(addBusinessHours(new Date(start), hours, calendar))).toBe(iso(expected))
    })
  })

  describe('other time zones', () => {
    it.each([
      ['New York: Friday → Monday in winter', newYork, '2026-01-16T16:00:00-05:00', 2, '2026-01-19T10:00:00-05:00'],
      ['New York: across spring-forward (2026-03-08)', newYork, '2026-03-06T16:00:00-05:00', 2, '2026-03-09T10:00:00-04:00'],
      ['New York: across fall-back (2026-11-01)', newYork, '2026-10-30T16:00:00-04:00', 2, '2026-11-02T10:00:00-05:00'],
      ['New York: Berlin Monday morning is still Sunday night', newYork, '2026-01-12T09:00:00+01:00', 1, '2026-01-12T10:00:00-05:00'],
      ['Kolkata (+05:30): Friday 16:30 + 1h → Monday 09:30', kolkata, '2026-01-16T16:30:00+05:30', 1, '2026-01-19T09:30:00+05:30'],
      ['Kolkata (+05:30): 48h SLA', kolkata, '2026-01-12T09:00:00+05:30', 48, '2026-01-19T17:00:00+05:30'],
      ['Kolkata (+05:30): a UTC-midnight start is 05:30 local', kolkata, '2026-01-13T00:00:00Z', 2, '2026-01-13T11:00:00+05:30'],
    ])('%s', (_name, calendar, start, hours, expected) => {
      expect(iso(addBusinessHours(new Date(start), hours, calendar))).toBe(iso(expected))
    })
  })

  it.each([
    ['Berlin', berlinRoundTheClock],
    ['New York', newYorkRoundTheClock],
  ])('a 24-hour, 7-day calendar in %s equals wall-clock hours, even across DST', (_zone, calendar) => {
    const starts = ['2026-03-07T13:00:00Z', '2026-03-28T12:00:00Z', '2026-10-24T22:30:00Z', '2026-10-31T23:59:59Z']
    for (const start of starts) {
      for (const hours of [0.5, 1, 23, 24, 25, 48, 1000]) {
        const startDate = new Date(start)
        expect(addBusinessHours(startDate, hours, calendar).getTime()).toBe(startDate.getTime() + hours * MS_PER_HOUR)
      }
    }
  })

  it.each([
    ['no working days', { ...berlin, workingDays: [] }],
    ['only invalid working days', { ...berlin, workingDays: [0, 8] }],
    ['startHour after endHour', { ...berlin, startHour: 17, endHour: 9 }],
    ['startHour equal to endHour', { ...berlin, startHour: 9, endHour: 9 }],
    ['an unknown time zone', { ...berlin, timeZone: 'Mars/Olympus_Mons' }],
  ])('falls back to wall-clock hours with %s', (_name, calendar) => {
    const saturday = new Date('2026-01-17T11:00:00+01:00')
    expect(addBusinessHours(saturday, 48, calendar).getTime()).toBe(saturday.getTime() + 48 * MS_PER_HOUR)
    expect(businessHoursBetween(saturday, new Date(saturday.getTime() + 5 * MS_PER_HOUR), calendar)).toBe(5)
    expect(isWithinBusinessHours(saturday, calendar)).toBe(true)
  })

  it('computes long SLAs quickly by stepping whole days', () => {
    const start = new Date('2026-01-05T09:00:00+01:00')
    const began = performance.now()
    for (let run = 0; run < 20; run++) addBusinessHours(start, 720, berlin)
    // Generous bound (CI machines vary); hour-by-hour stepping would be far slower.
    expect((performance.now() - began) / 20).toBeLessThan(20)
  })
})

describe('businessHoursBetween', () => {
  it.each([
    ['Friday 16:00 → Monday 10:00', berlin, '2026-01-16T16:00:00+01:00', '2026-01-19T10:00:00+01:00', 2],
    ['a full working week', berlin, '2026-01-12T09:00:00+01:00', '2026-01-19T09:00:00+01:00', 40],
    ['a working week containing the spring change', berlin, '2026-03-23T00:00:00+01:00', '2026-03-30T00:00:00+02:00', 40],
    ['a weekend only', berlin, '2026-01-17T00:00:00+01:00', '2026-01-19T00:00:00+01:00', 0],
    ['overnight, outside working time', berlin, '2026-01-13T17:00:00+01:00', '2026-01-14T09:00:00+01:00', 0],
    ['a partial morning', berlin, '2026-01-13T07:00:00+01:00', '2026-01-13T09:45:00+01:00', 0.75],
    ['the short spring-change night', berlinNights, '2026-03-29T00:00:00+01:00', '2026-03-30T00:00:00+02:00', 7],
    ['the long autumn-change night', berlinNights, '2026-10-25T00:00:00+02:00', '2026-10-26T00:00:00+01:00', 9],
    ['Kolkata working day', kolkata, '2026-01-12T00:00:00+05:30', '2026-01-13T00:00:00+05:30', 8],
    ['round the clock across spring-forward', newYorkRoundTheClock, '2026-03-08T00:00:00-05:00', '2026-03-09T00:00:00-04:00', 23],
  ])('%s', (_name, calendar, from, to, expected) => {
    expect(businessHoursBetween(new Date(from), new Date(to), calendar)).toBeCloseTo(expected, 9)
  })

  it('is 0 when to is not after from', () => {
    const monday = new Date('2026-01-12T10:00:00+01:00')
    expect(businessHoursBetween(monday, monday, berlin)).toBe(0)
    expect(businessHoursBetween(monday, new Date('2026-01-12T09:30:00+01:00'), berlin)).toBe(0)
  })

  it.each([
    ['Berlin', berlin, '2026-01-16T16:00:00+01:00', [0.25, 1, 2, 8, 47.5, 48, 720]],
    ['Berlin, weekend start', berlin, '2026-03-28T03:00:00+01:00', [1, 9, 48, 100]],
    ['Berlin, autumn change', berlin, '2026-10-22T12:34:56+02:00', [1, 13, 48]],
    ['Berlin nights, DST weekend', berlinNights, '2026-03-27T20:00:00+01:00', [3, 8, 15, 24, 50]],
    ['New York', newYork, '2026-03-05T18:00:00-05:00', [0.5, 7, 48]],
    ['Kolkata', kolkata, '2026-01-15T12:00:00+05:30', [1.5, 8, 48]],
  ])('inverts addBusinessHours (%s)', (_name, calendar, start, samples) => {
    const startDate = new Date(start)
    for (const hours of samples) {
      const deadline = addBusinessHours(startDate, hours, calendar)
      expect(businessHoursBetween(startDate, deadline, calendar)).toBeCloseTo(hours, 9)
    }
  })

  it('addBusinessHours inverts it when the end lies in working time', () => {
    const from = new Date('2026-01-14T11:20:00+01:00')
    for (const to of ['2026-01-14T16:00:00+01:00', '2026-01-19T09:05:00+01:00', '2026-03-31T14:00:00+02:00']) {
      const elapsed = businessHoursBetween(from, new Date(to), berlin)
      expect(iso(addBusinessHours(from, elapsed, berlin))).toBe(iso(to))
    }
  })
})

describe('isWithinBusinessHours', () => {
  it.each([
    ['Monday 09:00 (opening is inclusive)', berlin, '2026-01-12T09:00:00+01:00', true],
    ['Monday 08:59:59', berlin, '2026-01-12T08:59:59+01:00', false],
    ['Monday 16:59', berlin, '2026-01-12T16:59:00+01:00', true],
    ['Monday 17:00 (closing is exclusive)', berlin, '2026-01-12T17:00:00+01:00', false],
    ['Saturday noon', berlin, '2026-01-17T12:00:00+01:00', false],
    ['Saturday noon on a 7-day calendar', berlinEveryDay, '2026-01-17T12:00:00+01:00', true],
    ['Monday after spring-forward, 09:30 CEST', berlin, '2026-03-30T09:30:00+02:00', true],
    ['Monday after spring-forward, 08:30 CEST (07:30 CET)', berlin, '2026-03-30T08:30:00+02:00', false],
    ['Monday 10:00 Berlin is 04:00 in New York', newYork, '2026-01-12T10:00:00+01:00', false],
    ['New York Monday 09:30 EDT', newYork, '2026-03-09T09:30:00-04:00', true],
    ['Kolkata 09:00 IST (03:30 UTC)', kolkata, '2026-01-12T03:30:00Z', true],
    ['Kolkata 08:59 IST (03:29 UTC)', kolkata, '2026-01-12T03:29:00Z', false],
    ['Kolkata 16:59 IST', kolkata, '2026-01-12T16:59:00+05:30', true],
    ['round-the-clock calendar at midnight', berlinRoundTheClock, '2026-01-18T00:00:00+01:00', true],
  ])('%s → %s', (_name, calendar, at, expected) => {
    expect(isWithinBusinessHours(new Date(at), calendar)).toBe(expected)
  })
})
