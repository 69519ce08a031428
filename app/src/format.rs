//! Dates for display: UTC, computed the same way on server and client, so hydration
//! never sees two different strings.

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// (year, month 1-12, day 1-31) of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// "26 Nov 2026, 14:05 UTC" for a millisecond timestamp.
pub fn date_time(millis: i64) -> String {
    let seconds = millis.div_euclid(1000);
    let (year, month, day) = civil_from_days(seconds.div_euclid(86_400));
    let second_of_day = seconds.rem_euclid(86_400);
    format!(
        "{day} {} {year}, {:02}:{:02} UTC",
        MONTHS[(month - 1) as usize],
        second_of_day / 3600,
        (second_of_day % 3600) / 60
    )
}

/// "26 Nov 2026" for a millisecond timestamp.
pub fn date(millis: i64) -> String {
    let (year, month, day) = civil_from_days(millis.div_euclid(1000).div_euclid(86_400));
    format!("{day} {} {year}", MONTHS[(month - 1) as usize])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(date_time(0), "1 Jan 1970, 00:00 UTC");
        // 2026-11-26T14:05:00Z
        assert_eq!(date_time(1_795_701_900_000), "26 Nov 2026, 14:05 UTC");
        assert_eq!(date(951_782_400_000), "29 Feb 2000");
    }
}
