/**
 * Business-hour arithmetic for registration SLAs: a vendor promises a decision
 * within e.g. "48 business hours", counted in the vendor's own working hours
 * and time zone (tenant setting `businessHours`), not in wall-clock hours.
 * A registration submitted Friday 16:00 in Berlin with a 2-hour SLA is due
 * Monday 10:00 Berlin time.
 *
 * Local wall-clock times come from Intl.DateTimeFormat, so DST changes are
 * honoured without a date library. Hours are real elapsed time: a 00:00–08:00
 * window on the night clocks go forward holds 7 hours, not 8. A working-day
 * boundary that falls in a skipped hour moves forward by the gap; one that
 * falls in a repeated hour uses its first occurrence.
 *
 * A calendar that can never open (no valid working day, startHour >= endHour,
 * hours outside 0–24, unknown time zone) is treated as always open, i.e. plain
 * wall-clock hours, so a misconfigured tenant never loops forever or crashes.
 */

export interface BusinessHours {
  /** IANA time zone, e.g. 'Europe/Berlin'. */
  timeZone: string
  /** Local hour the working day starts (0–23). */
  startHour: number
  /** Local hour the working day ends (1–24), exclusive. */
  endHour: number
  /** ISO weekdays, 1 = Monday … 7 = Sunday. */
  workingDays: number[]
}

const MS_PER_HOUR = 3_600_000
const MS_PER_DAY = 86_400_000

/** A calendar checked once, ready for day-by-day stepping. */
interface ResolvedCalendar {
  formatter: Intl.DateTimeFormat
  /** Offsets of the working window from local midnight. */
  opensAfterMidnightMs: number
  closesAfterMidnightMs: number
  workingDays: ReadonlySet<number>
}

/** One local day's working window, as UTC epoch milliseconds. */
interface WorkingWindow {
  opensAt: number
  closesAt: number
}

/** Formatters are costly to build; one per time zone (null: unknown zone). */
const formatterCache = new Map<string, Intl.DateTimeFormat | null>()

function formatterFor(timeZone: string): Intl.DateTimeFormat | null {
  const cached = formatterCache.get(timeZone)
  if (cached !== undefined) return cached
  let formatter: Intl.DateTimeFormat | null
  try {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    })
  } catch {
    formatter = null
  }
  formatterCache.set(timeZone, formatter)
  return formatter
}

/** The calendar ready for use, or null when it must fall back to wall-clock hours. */
function resolveCalendar(calendar: BusinessHours): ResolvedCalendar | null {
  const { startHour, endHour } = calendar
  if (!Number.isFinite(startHour) || !Number.isFinite(endHour)) return null
  if (startHour < 0 || endHour > 24 || startHour >= endHour) return null
  const workingDays = new Set(calendar.workingDays.filter((day) => Number.isInteger(day) && day >= 1 && day <= 7))
  if (workingDays.size === 0) return null
  const formatter = formatterFor(calendar.timeZone)
  if (!formatter) return null
  return {
    formatter,
    opensAfterMidnightMs: startHour * MS_PER_HOUR,
    closesAfterMidnightMs: endHour * MS_PER_HOUR,
    workingDays,
  }
}

/** Local wall-clock reading in the `en-US` numeric form "1/12/2026, 09:00:00". */
const WALL_CLOCK_DIGITS = /\d+/g

/**
 * Wall-clock conversions in one time zone for a single computation. Wall
 * times are epoch milliseconds as if the local reading were UTC ("wall ms").
 * UTC offsets are probed once per local day and memoised, so stepping
 * through consecutive days costs about one Intl call per day.
 */
class ZoneClock {
  private readonly formatter: Intl.DateTimeFormat
  private readonly offsetAtProbe = new Map<number, number>()

  constructor(formatter: Intl.DateTimeFormat) {
    this.formatter = formatter
  }

  /** The local wall-clock time of an instant, in wall ms. */
  wallClockMs(instantMs: number): number {
    const wholeSecondMs = Math.floor(instantMs / 1000) * 1000
    return this.wallClockOfWholeSecond(wholeSecondMs) + (instantMs - wholeSecondMs)
  }

  /** Local midnight, in wall ms, of the day containing an instant. */
  localDayOf(instantMs: number): number {
    return Math.floor(this.wallClockMs(instantMs) / MS_PER_DAY) * MS_PER_DAY
  }

  /** The instant a local wall-clock time occurs (see the module comment for gaps and overlaps). */
  instantOf(wallMs: number): number {
    // Probes a day or more either side of any instant that can read as wallMs (offsets are within ±14h).
    const localDayMs = Math.floor(wallMs / MS_PER_DAY) * MS_PER_DAY
    const offsetBefore = this.probeOffset(localDayMs - MS_PER_DAY)
    const offsetAfter = this.probeOffset(localDayMs + 2 * MS_PER_DAY)
    const withOffsetBefore = wallMs - offsetBefore
    if (offsetBefore === offsetAfter) return withOffsetBefore
    // A transition is near: the offset in force before it wins if the reading is valid.
    if (this.wallClockMs(withOffsetBefore) === wallMs) return withOffsetBefore
    const withOffsetAfter = wallMs - offsetAfter
    if (this.wallClockMs(withOffsetAfter) === wallMs) return withOffsetAfter
    // Skipped hour: reading it with the earlier offset lands after the gap.
    return withOffsetBefore
  }

  private probeOffset(instantMs: number): number {
    let offset = this.offsetAtProbe.get(instantMs)
    if (offset === undefined) {
      offset = this.wallClockMs(instantMs) - instantMs
      this.offsetAtProbe.set(instantMs, offset)
    }
    return offset
  }

  private wallClockOfWholeSecond(instantMs: number): number {
    // format() is several times faster than formatToParts(); the latter is the safety net.
    const digits = this.formatter.format(instantMs).match(WALL_CLOCK_DIGITS)
    if (digits?.length === 6) {
      const [month, day, year, hour, minute, second] = digits.map(Number) as [number, number, number, number, number, number]
      return Date.UTC(year, month - 1, day, hour === 24 ? 0 : hour, minute, second)
    }
    const fields = { year: 0, month: 1, day: 1, hour: 0, minute: 0, second: 0 }
    for (const part of this.formatter.formatToParts(instantMs)) {
      if (part.type in fields) fields[part.type as keyof typeof fields] = Number(part.value)
    }
    return Date.UTC(fields.year, fields.month - 1, fields.day, fields.hour === 24 ? 0 : fields.hour, fields.minute, fields.second)
  }
}

/** ISO weekday (1 = Monday … 7 = Sunday) of a local day given in wall ms. */
function isoWeekday(localDayMs: number): number {
  return ((new Date(localDayMs).getUTCDay() + 6) % 7) + 1
}

/** The working window of a local day, or undefined on a day off. */
function workingWindow(calendar: ResolvedCalendar, clock: ZoneClock, localDayMs: number): WorkingWindow | undefined {
  if (!calendar.workingDays.has(isoWeekday(localDayMs))) return undefined
  return {
    opensAt: clock.instantOf(localDayMs + calendar.opensAfterMidnightMs),
    closesAt: clock.instantOf(localDayMs + calendar.closesAfterMidnightMs),
  }
}

function assertValidDate(date: Date, name: string): number {
  const time = date.getTime()
  if (Number.isNaN(time)) throw new RangeError(`${name} is an invalid Date`)
  return time
}

/**
 * The instant at which `hours` working hours have elapsed after `start`.
 * A start outside working time begins counting at the next opening; a
 * deadline that uses up a day exactly falls at that day's closing time
 * (Friday 17:00), not at the next opening. `hours <= 0` returns `start`.
 */
export function addBusinessHours(start: Date, hours: number, calendar: BusinessHours): Date {
  const startMs = assertValidDate(start, 'start')
  if (!Number.isFinite(hours)) throw new RangeError(`hours must be a finite number, got ${hours}`)
  let remainingMs = Math.round(hours * MS_PER_HOUR)
  if (remainingMs <= 0) return new Date(startMs)
  const resolved = resolveCalendar(calendar)
  if (!resolved) return new Date(startMs + remainingMs)

  // Step one local day at a time; a valid calendar opens at least once a week, so this ends.
  const clock = new ZoneClock(resolved.formatter)
  for (let localDayMs = clock.localDayOf(startMs); ; localDayMs += MS_PER_DAY) {
    const window = workingWindow(resolved, clock, localDayMs)
    if (!window) continue
    const countFrom = Math.max(window.opensAt, startMs)
    const availableMs = window.closesAt - countFrom
    if (availableMs <= 0) continue
    if (remainingMs <= availableMs) return new Date(countFrom + remainingMs)
    remainingMs -= availableMs
  }
}

/** Working hours elapsed between two instants; 0 when `to` is not after `from`. */
export function businessHoursBetween(from: Date, to: Date, calendar: BusinessHours): number {
  const fromMs = assertValidDate(from, 'from')
  const toMs = assertValidDate(to, 'to')
  if (toMs <= fromMs) return 0
  const resolved = resolveCalendar(calendar)
  if (!resolved) return (toMs - fromMs) / MS_PER_HOUR

  const clock = new ZoneClock(resolved.formatter)
  const lastLocalDayMs = clock.localDayOf(toMs)
  let elapsedMs = 0
  for (let localDayMs = clock.localDayOf(fromMs); localDayMs <= lastLocalDayMs; localDayMs += MS_PER_DAY) {
    const window = workingWindow(resolved, clock, localDayMs)
    if (!window) continue
    elapsedMs += Math.max(0, Math.min(window.closesAt, toMs) - Math.max(window.opensAt, fromMs))
  }
  return elapsedMs / MS_PER_HOUR
}

/**
 * Whether an instant lies in working time (opening inclusive, closing
 * exclusive). A calendar that falls back to wall-clock hours is always open.
 */
export function isWithinBusinessHours(at: Date, calendar: BusinessHours): boolean {
  const atMs = assertValidDate(at, 'at')
  const resolved = resolveCalendar(calendar)
  if (!resolved) return true
  const clock = new ZoneClock(resolved.formatter)
  const window = workingWindow(resolved, clock, clock.localDayOf(atMs))
  return window !== undefined && window.opensAt <= atMs && atMs < window.closesAt
}
