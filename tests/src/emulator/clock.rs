//! Time as Notion shows it. Timestamps (`created_time`, `last_edited_time`) are truncated to the
//! minute (`2024-12-30T17:21:00.000Z`); date properties keep date-only values as dates and store
//! date-times to the minute in their offset (`2026-06-27T18:01:00.000+01:00`). Also parses the
//! date strings clients send, with a small built-in table of IANA zones for `time_zone`.

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset, Weekday};

/// A point parsed from a date property or filter value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DatePoint {
    Day(Date),
    At(OffsetDateTime),
}

impl DatePoint {
    /// The instant used to order and compare (a day counts from its UTC midnight).
    pub fn instant(self) -> OffsetDateTime {
        match self {
            DatePoint::Day(d) => PrimitiveDateTime::new(d, Time::MIDNIGHT).assume_utc(),
            DatePoint::At(t) => t,
        }
    }

    pub fn day(self) -> Date {
        match self {
            DatePoint::Day(d) => d,
            DatePoint::At(t) => t.date(),
        }
    }

    /// Notion's response form: `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:00.000+HH:MM`.
    pub fn render(self) -> String {
        match self {
            DatePoint::Day(d) => fmt_date(d),
            DatePoint::At(t) => {
                let t = truncate_minute(t);
                let off = t.offset();
                let (h, m, _) = off.as_hms();
                let sign = if off.is_negative() { '-' } else { '+' };
                format!(
                    "{}T{:02}:{:02}:00.000{}{:02}:{:02}",
                    fmt_date(t.date()),
                    t.hour(),
                    t.minute(),
                    sign,
                    h.unsigned_abs(),
                    m.unsigned_abs()
                )
            }
        }
    }
}

pub fn truncate_minute(t: OffsetDateTime) -> OffsetDateTime {
    t.replace_second(0)
        .and_then(|t| t.replace_nanosecond(0))
        .unwrap_or(t)
}

fn fmt_date(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// `created_time` / `last_edited_time` form: UTC, minute-truncated, `Z`.
pub fn timestamp(t: OffsetDateTime) -> String {
    let t = truncate_minute(t.to_offset(UtcOffset::UTC));
    format!(
        "{}T{:02}:{:02}:00.000Z",
        fmt_date(t.date()),
        t.hour(),
        t.minute()
    )
}

/// Parses `YYYY-MM-DD`, or a date-time with optional seconds, fraction and offset (`Z`,
/// `±HH:MM`). A date-time without offset is wall-clock time in `time_zone` (UTC when absent).
pub fn parse(input: &str, time_zone: Option<&str>) -> Result<DatePoint, String> {
    let bad = || format!("{input} is not a valid ISO 8601 date or date-time.");
    let date = parse_date(input.get(..10).ok_or_else(bad)?).ok_or_else(bad)?;
    let rest = &input[10..];
    if rest.is_empty() {
        return Ok(DatePoint::Day(date));
    }
    let rest = rest
        .strip_prefix('T')
        .or_else(|| rest.strip_prefix(' '))
        .ok_or_else(bad)?;
    let split = rest.find(['Z', 'z', '+', '-']).unwrap_or(rest.len());
    let (clock, zone) = rest.split_at(split);
    let time = parse_time(clock).ok_or_else(bad)?;
    let local = PrimitiveDateTime::new(date, time);
    let offset = match zone {
        "" => match time_zone {
            None => UtcOffset::UTC,
            Some(tz) => zone_offset(tz, local)
                .ok_or_else(|| format!("{tz} is not a supported time zone."))?,
        },
        "Z" | "z" => UtcOffset::UTC,
        z => parse_offset(z).ok_or_else(bad)?,
    };
    Ok(DatePoint::At(local.assume_offset(offset)))
}

fn parse_date(s: &str) -> Option<Date> {
    let mut it = s.split('-');
    let y: i32 = it.next()?.parse().ok()?;
    let m: u8 = it.next()?.parse().ok()?;
    let d: u8 = it.next()?.parse().ok()?;
    Date::from_calendar_date(y, Month::try_from(m).ok()?, d).ok()
}

fn parse_time(s: &str) -> Option<Time> {
    let mut it = s.split(':');
    let h: u8 = it.next()?.parse().ok()?;
    let m: u8 = it.next()?.parse().ok()?;
    let (sec, nanos) = match it.next() {
        None => (0, 0),
        Some(sec) => {
            let (whole, frac) = sec.split_once('.').unwrap_or((sec, ""));
            let mut digits: String = frac.chars().take(9).collect();
            while digits.len() < 9 {
                digits.push('0');
            }
            (whole.parse().ok()?, digits.parse().ok()?)
        }
    };
    Time::from_hms_nano(h, m, sec, nanos).ok()
}

fn parse_offset(s: &str) -> Option<UtcOffset> {
    let sign: i8 = if s.starts_with('-') { -1 } else { 1 };
    let digits = s[1..].replace(':', "");
    let h: i8 = digits.get(0..2)?.parse().ok()?;
    let m: i8 = digits.get(2..4).unwrap_or("00").parse().ok()?;
    UtcOffset::from_hms(sign * h, sign * m, 0).ok()
}

/// Daylight-saving rule of a zone in the built-in table.
#[derive(Clone, Copy)]
enum Dst {
    None,
    /// Last Sunday of March 01:00 UTC to last Sunday of October 01:00 UTC.
    Eu,
    /// Second Sunday of March 02:00 local to first Sunday of November 02:00 local.
    Us,
}

const ZONES: &[(&str, i32, Dst)] = &[
    ("UTC", 0, Dst::None),
    ("Etc/UTC", 0, Dst::None),
    ("GMT", 0, Dst::None),
    ("Europe/London", 0, Dst::Eu),
    ("Europe/Dublin", 0, Dst::Eu),
    ("Europe/Lisbon", 0, Dst::Eu),
    ("Europe/Berlin", 60, Dst::Eu),
    ("Europe/Paris", 60, Dst::Eu),
    ("Europe/Amsterdam", 60, Dst::Eu),
    ("Europe/Madrid", 60, Dst::Eu),
    ("Europe/Rome", 60, Dst::Eu),
    ("Europe/Zurich", 60, Dst::Eu),
    ("Europe/Vienna", 60, Dst::Eu),
    ("Europe/Stockholm", 60, Dst::Eu),
    ("Europe/Warsaw", 60, Dst::Eu),
    ("Europe/Helsinki", 120, Dst::Eu),
    ("Europe/Athens", 120, Dst::Eu),
    ("America/New_York", -300, Dst::Us),
    ("America/Chicago", -360, Dst::Us),
    ("America/Denver", -420, Dst::Us),
    ("America/Los_Angeles", -480, Dst::Us),
    ("Asia/Tokyo", 540, Dst::None),
    ("Asia/Shanghai", 480, Dst::None),
    ("Asia/Singapore", 480, Dst::None),
    ("Asia/Kolkata", 330, Dst::None),
];

fn nth_sunday(year: i32, month: Month, n: u8) -> Option<Date> {
    let first = Date::from_calendar_date(year, month, 1).ok()?;
    let offset = (7 - first.weekday().number_days_from_sunday()) % 7;
    first.checked_add(time::Duration::days(
        i64::from(offset) + 7 * i64::from(n - 1),
    ))
}

fn last_sunday(year: i32, month: Month) -> Option<Date> {
    let mut d =
        Date::from_calendar_date(year, month, time::util::days_in_month(month, year)).ok()?;
    while d.weekday() != Weekday::Sunday {
        d = d.previous_day()?;
    }
    Some(d)
}

/// The offset of `tz` at the wall-clock time `local` (built-in table; `None` if unknown).
pub fn zone_offset(tz: &str, local: PrimitiveDateTime) -> Option<UtcOffset> {
    let &(_, base, dst) = ZONES.iter().find(|(name, _, _)| *name == tz)?;
    let standard = UtcOffset::from_whole_seconds(base * 60).ok()?;
    let year = local.year();
    let summer = match dst {
        Dst::None => false,
        Dst::Eu => {
            let utc = local.assume_offset(standard).to_offset(UtcOffset::UTC);
            let start = PrimitiveDateTime::new(
                last_sunday(year, Month::March)?,
                Time::from_hms(1, 0, 0).ok()?,
            );
            let end = PrimitiveDateTime::new(
                last_sunday(year, Month::October)?,
                Time::from_hms(1, 0, 0).ok()?,
            );
            let utc = PrimitiveDateTime::new(utc.date(), utc.time());
            utc >= start && utc < end
        }
        Dst::Us => {
            let two = Time::from_hms(2, 0, 0).ok()?;
            let start = PrimitiveDateTime::new(nth_sunday(year, Month::March, 2)?, two);
            let end = PrimitiveDateTime::new(nth_sunday(year, Month::November, 1)?, two);
            local >= start && local < end
        }
    };
    if summer {
        UtcOffset::from_whole_seconds((base + 60) * 60).ok()
    } else {
        Some(standard)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_time_is_stored_to_the_minute_in_utc_when_it_has_no_zone() {
        let p = parse("2026-06-27T18:01:15Z", None).unwrap();
        assert_eq!(p.render(), "2026-06-27T18:01:00.000+00:00");
    }

    #[test]
    fn a_wall_clock_time_in_london_summer_reads_back_with_plus_one() {
        let p = parse("2026-06-27T18:01:15.377824", Some("Europe/London")).unwrap();
        assert_eq!(p.render(), "2026-06-27T18:01:00.000+01:00");
        let w = parse("2026-01-10T09:30:00", Some("Europe/London")).unwrap();
        assert_eq!(w.render(), "2026-01-10T09:30:00.000+00:00");
    }

    #[test]
    fn new_york_uses_us_daylight_saving_dates() {
        let p = parse("2026-07-01T12:00", Some("America/New_York")).unwrap();
        assert_eq!(p.render(), "2026-07-01T12:00:00.000-04:00");
    }

    #[test]
    fn a_date_only_value_stays_a_date() {
        assert_eq!(parse("2026-06-27", None).unwrap().render(), "2026-06-27");
    }

    #[test]
    fn garbage_and_unknown_zones_are_errors() {
        assert!(parse("yesterday", None).is_err());
        assert!(parse("2026-06-27T10:00", Some("Mars/Olympus")).is_err());
    }

    #[test]
    fn timestamps_are_minute_truncated_utc_with_z() {
        let t = parse("2024-12-30T18:21:23.128+01:00", None)
            .unwrap()
            .instant();
        assert_eq!(timestamp(t), "2024-12-30T17:21:00.000Z");
    }
}
