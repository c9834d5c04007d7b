//! Date conditions of query filters, as the recorded queries show Notion evaluating them:
//! date-only values compare by day, date-times by minute, relative conditions (`past_week`,
//! `next_month`, `this_week`…) by day around now.

use serde_json::Value;
use time::{Date, Duration, OffsetDateTime};

use super::clock::{self, DatePoint};
use super::errors::ApiError;
use super::filter::{compare, invalid, num_op, single, string, NumOp};

pub enum DateCond {
    Cmp(NumOp, DatePoint),
    Empty(bool),
    /// Inclusive day range, relative to now (`past_week`, `next_month`, `this_week`…).
    Days(Date, Date),
}

fn add_months(d: Date, months: i32) -> Date {
    let total = d.year() * 12 + i32::from(u8::from(d.month())) - 1 + months;
    let (y, m) = (total.div_euclid(12), (total.rem_euclid(12) + 1) as u8);
    let month = time::Month::try_from(m).unwrap_or(time::Month::January);
    let day = d.day().min(time::util::days_in_month(month, y));
    Date::from_calendar_date(y, month, day).unwrap_or(d)
}

pub fn date_cond(cond: &Value, path: &str, now: OffsetDateTime) -> Result<DateCond, ApiError> {
    let (op, v) = single(cond, path)?;
    let p = format!("{path}.{op}");
    let today = now.date();
    let week = Duration::days(7);
    Ok(match op.as_str() {
        "is_empty" => DateCond::Empty(true),
        "is_not_empty" => DateCond::Empty(false),
        "past_week" => DateCond::Days(today - week, today),
        "past_month" => DateCond::Days(add_months(today, -1), today),
        "past_year" => DateCond::Days(add_months(today, -12), today),
        "next_week" => DateCond::Days(today, today + week),
        "next_month" => DateCond::Days(today, add_months(today, 1)),
        "next_year" => DateCond::Days(today, add_months(today, 12)),
        "this_week" => {
            let start =
                today - Duration::days(i64::from(today.weekday().number_days_from_sunday()));
            DateCond::Days(start, start + Duration::days(6))
        }
        other => {
            let op = num_op(other)
                .filter(|_| other != "does_not_equal")
                .ok_or_else(|| invalid(&p, "is not a supported date filter condition."))?;
            let s = string(&v, &p)?;
            let point = clock::parse(&s, None).map_err(|e| invalid(&p, &e))?;
            DateCond::Cmp(op, point)
        }
    })
}

pub fn date_matches(cond: &DateCond, value: Option<DatePoint>) -> bool {
    match (cond, value) {
        (DateCond::Empty(want), v) => v.is_none() == *want,
        (_, None) => false,
        (DateCond::Days(from, to), Some(v)) => v.day() >= *from && v.day() <= *to,
        (DateCond::Cmp(op, DatePoint::Day(d)), Some(v)) => compare(*op, v.day(), *d),
        (DateCond::Cmp(op, at @ DatePoint::At(_)), Some(v)) => compare(
            *op,
            clock::truncate_minute(v.instant()),
            clock::truncate_minute(at.instant()),
        ),
    }
}
