//! Time in PDUs: the service-centre time stamp format (TP-SCTS, also TP-DT and an absolute
//! TP-VP, 23.040 §9.2.3.11) and the relative validity period (TP-VP, §9.2.3.12.1).

use std::fmt;

use super::cursor::Cursor;
use super::DecodeError;

/// A time stamp as the SC wrote it: its local time and its offset from UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Timestamp {
    /// The PDU carries two digits; 90-99 are read as 1990s, the rest as 2000s (the pivot
    /// Android uses), since no SC sends dates before 1990.
    pub year: u16,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
    /// Offset of the local time from UTC in quarters of an hour.
    pub tz_quarters: i8,
}

impl Timestamp {
    pub fn utc_offset_minutes(&self) -> i32 {
        i32::from(self.tz_quarters) * 15
    }

    /// Seconds since 1970-01-01 UTC.
    pub fn unix_seconds(&self) -> i64 {
        let days = days_from_civil(
            i64::from(self.year),
            i64::from(self.month),
            i64::from(self.day),
        );
        let local = days * 86_400
            + i64::from(self.hour) * 3_600
            + i64::from(self.minute) * 60
            + i64::from(self.second);
        local - i64::from(self.utc_offset_minutes()) * 60
    }
}

impl fmt::Display for Timestamp {
    /// RFC 3339, in the SC's local time.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let offset = self.utc_offset_minutes();
        let sign = if offset < 0 { '-' } else { '+' };
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{sign}{:02}:{:02}",
            self.year,
            self.month,
            self.day,
            self.hour,
            self.minute,
            self.second,
            offset.abs() / 60,
            offset.abs() % 60
        )
    }
}

/// Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// One swapped BCD octet: tens in the low nibble, units in the high one.
fn bcd(octet: u8, field: &'static str) -> Result<u8, DecodeError> {
    let (tens, units) = (octet & 0x0F, octet >> 4);
    for nibble in [tens, units] {
        if nibble > 9 {
            return Err(DecodeError::BadSemiOctet { field, nibble });
        }
    }
    Ok(tens * 10 + units)
}

/// A BCD octet that must fall in `range`; `part` names it in the error.
fn ranged(
    octet: u8,
    field: &'static str,
    part: &'static str,
    range: std::ops::RangeInclusive<u8>,
) -> Result<u8, DecodeError> {
    let value = bcd(octet, field)?;
    if range.contains(&value) {
        Ok(value)
    } else {
        Err(DecodeError::OutOfRange { field: part, value })
    }
}

/// Reads the 7 octets of a time stamp.
pub(crate) fn read_timestamp(
    cur: &mut Cursor,
    field: &'static str,
) -> Result<Timestamp, DecodeError> {
    let octets = cur.take(7, field)?;
    let at = |i: usize| octets.get(i).copied().unwrap_or(0);
    let yy = bcd(at(0), field)?;
    let month = ranged(at(1), field, "time stamp month", 1..=12)?;
    let day = ranged(at(2), field, "time stamp day", 1..=31)?;
    let hour = ranged(at(3), field, "time stamp hour", 0..=23)?;
    let minute = ranged(at(4), field, "time stamp minute", 0..=59)?;
    let second = ranged(at(5), field, "time stamp second", 0..=59)?;
    // Bit 3 of the low nibble is the sign; the rest is BCD quarter hours.
    let tz = at(6);
    let quarters = bcd(tz & !0x08, field)?;
    let magnitude = i8::try_from(quarters).unwrap_or(i8::MAX);
    Ok(Timestamp {
        year: if yy >= 90 { 1900 } else { 2000 } + u16::from(yy),
        month,
        day,
        hour,
        minute,
        second,
        tz_quarters: if tz & 0x08 != 0 {
            -magnitude
        } else {
            magnitude
        },
    })
}

/// Seconds a relative TP-VP stands for (23.040 §9.2.3.12.1).
pub fn relative_validity_seconds(vp: u8) -> u32 {
    let vp = u32::from(vp);
    match vp {
        0..=143 => (vp + 1) * 5 * 60,
        144..=167 => 12 * 3_600 + (vp - 143) * 30 * 60,
        168..=196 => (vp - 166) * 86_400,
        _ => (vp - 192) * 7 * 86_400,
    }
}

/// The smallest relative TP-VP at least `seconds` long: 5 minutes at the least, and 63
/// weeks (255) for anything longer.
pub fn relative_vp(seconds: u32) -> u8 {
    (0..=u8::MAX)
        .find(|&vp| relative_validity_seconds(vp) >= seconds)
        .unwrap_or(u8::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: u32 = 60;
    const HOUR: u32 = 3_600;
    const DAY: u32 = 86_400;
    const WEEK: u32 = 7 * DAY;

    #[test]
    fn relative_vp_rounds_up() {
        let cases: &[(u32, u8)] = &[
            (0, 0),
            (1, 0),
            (5 * MIN, 0),
            (5 * MIN + 1, 1),
            (10 * MIN, 1),
            // python-gsmmodem TestRelativeValidityPeriod.
            (30 * MIN, 5),
            (16 * HOUR, 151),
            (3 * DAY, 169),
            (5 * WEEK, 197),
            (12 * HOUR, 143),
            (12 * HOUR + 1, 144),
            (24 * HOUR, 167),
            (24 * HOUR + 1, 168),
            (4 * DAY, 0xAA),
            (30 * DAY, 196),
            (30 * DAY + 1, 197),
            (63 * WEEK, 255),
            (63 * WEEK + 1, 255),
            (u32::MAX, 255),
        ];
        for &(secs, vp) in cases {
            assert_eq!(relative_vp(secs), vp, "{secs} s");
        }
    }

    #[test]
    fn relative_validity_is_strictly_increasing() {
        for vp in 1..=u8::MAX {
            assert!(relative_validity_seconds(vp) > relative_validity_seconds(vp - 1));
        }
        assert_eq!(relative_validity_seconds(0), 5 * MIN);
        assert_eq!(relative_validity_seconds(255), 63 * WEEK);
    }

    fn read(hex: &str) -> Result<Timestamp, DecodeError> {
        let bytes = hex::decode(hex).unwrap();
        read_timestamp(&mut Cursor::new(&bytes), "TP-SCTS")
    }

    #[test]
    fn decodes_time_stamps() {
        let cases = [
            // python-gsmmodem TestTimestamp.
            ("51117200000000", "2015-11-27T00:00:00+00:00", 1_448_582_400),
            ("51117200000080", "2015-11-27T00:00:00+02:00", 1_448_575_200),
            ("70402132522423", "2007-04-12T23:25:42+08:00", 1_176_391_542),
            ("7040213252242B", "2007-04-12T23:25:42-08:00", 1_176_449_142),
            // The classic SMS-DELIVER example: 29/03/99 15:16:59 GMT+2.
            ("99309251619580", "1999-03-29T15:16:59+02:00", 922_713_419),
            // oFono unit/test-sms.c simple_deliver: a quarter-hour count with the sign bit.
            ("20806291731448", "2002-08-26T19:37:41-01:00", 1_030_394_261),
        ];
        for (hex, text, unix) in cases {
            let ts = read(hex).unwrap();
            assert_eq!(
                (ts.to_string(), ts.unix_seconds()),
                (text.to_string(), unix),
                "{hex}"
            );
        }
        assert_eq!(read("99309251619580").unwrap().tz_quarters, 8);
    }

    #[test]
    fn refuses_malformed_time_stamps() {
        let f = "TP-SCTS";
        assert_eq!(read("515072"), Err(DecodeError::Truncated(f)));
        assert_eq!(
            read("5150F132200523"),
            Err(DecodeError::BadSemiOctet {
                field: f,
                nibble: 0xF
            })
        );
        assert_eq!(
            read("515071322005A0"),
            Err(DecodeError::BadSemiOctet {
                field: f,
                nibble: 0xA
            })
        );
        let month = "time stamp month";
        assert_eq!(
            read("51317132200523"),
            Err(DecodeError::OutOfRange {
                field: month,
                value: 13
            })
        );
        assert_eq!(
            read("51007132200523"),
            Err(DecodeError::OutOfRange {
                field: month,
                value: 0
            })
        );
        assert!(matches!(
            read("51502432200523"),
            Err(DecodeError::OutOfRange { value: 42, .. })
        ));
        assert!(matches!(
            read("51507162200523"),
            Err(DecodeError::OutOfRange { value: 26, .. })
        ));
    }
}
