import { formatDate } from '~/lib/format'

const plural = (count: number, one: string, many = `${one}s`) => `${count} ${count === 1 ? one : many}`

/**
 * Weekly counts as CSS bars, hidden from assistive technology; the same
 * numbers are in a visually hidden table. Weeks start on Monday (UTC).
 */
export function WeeklyChart({ weeks, unit, labelledBy, tableCaption }: { weeks: Array<{ weekStart: string; count: number }>; unit: string; labelledBy: string; tableCaption: string }) {
  const max = Math.max(1, ...weeks.map((week) => week.count))
  const total = weeks.reduce((sum, week) => sum + week.count, 0)
  const first = weeks[0]
  const last = weeks.at(-1)
  return (
    <figure className="engagement-chart" aria-labelledby={labelledBy}>
      <figcaption className="muted small">
        {plural(total, unit)} in {plural(weeks.length, 'week')}, busiest week {plural(max, unit)}. Weeks start on Monday (UTC).
      </figcaption>
      <ol className="engagement-bars" aria-hidden="true">
        {weeks.map((week) => (
          <li key={week.weekStart} title={`Week of ${formatDate(week.weekStart)}: ${plural(week.count, unit)}`}>
            <span className="engagement-bar" style={{ height: `${Math.round((week.count / max) * 100)}%` }} />
          </li>
        ))}
      </ol>
      {first && last ? (
        <div className="engagement-axis" aria-hidden="true">
          <span>{formatDate(first.weekStart)}</span>
          <span>{formatDate(last.weekStart)}</span>
        </div>
      ) : null}
      <table className="sr-only">
        <caption>{tableCaption}</caption>
        <thead>
          <tr>
            <th scope="col">Week of</th>
            <th scope="col">Count</th>
          </tr>
        </thead>
        <tbody>
          {weeks.map((week) => (
            <tr key={week.weekStart}>
              <td>{formatDate(week.weekStart)}</td>
              <td>{week.count}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  )
}
