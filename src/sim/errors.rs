//! Final result codes of the simulated modem and how +CMEE shapes them: V.250 §5.7.1 (OK,
//! ERROR, and the call results NO CARRIER and BUSY of §6.3.1 ATD), TS 27.007
//! §9.1/§9.2 (+CME ERROR and its texts), TS 27.005 §3.2.5 (+CMS ERROR,
//! whose codes below 128 are the network's RP/TP causes of TS 24.011 §8.2.5.4 and
//! TS 23.040 §9.2.3.22).

/// The final result of a command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Final {
    Ok,
    Error,
    Cme(u16),
    Cms(u16),
    NoCarrier,
    Busy,
}

impl Final {
    /// The result as framed on the wire, `\r\n<text>\r\n`. With CMEE=0 every +CME/+CMS error
    /// is a plain ERROR, with 1 numeric, with 2 verbose.
    pub(super) fn write(self, cmee: u8, out: &mut Vec<u8>) {
        out.extend_from_slice(b"\r\n");
        match (self, cmee) {
            (Final::Ok, _) => out.extend_from_slice(b"OK"),
            (Final::NoCarrier, _) => out.extend_from_slice(b"NO CARRIER"),
            (Final::Busy, _) => out.extend_from_slice(b"BUSY"),
            (Final::Error, _) | (Final::Cme(_) | Final::Cms(_), 0) => {
                out.extend_from_slice(b"ERROR")
            }
            (Final::Cme(code), 1) => {
                out.extend_from_slice(format!("+CME ERROR: {code}").as_bytes())
            }
            (Final::Cms(code), 1) => {
                out.extend_from_slice(format!("+CMS ERROR: {code}").as_bytes())
            }
            (Final::Cme(code), _) => {
                out.extend_from_slice(format!("+CME ERROR: {}", cme_text(code)).as_bytes())
            }
            (Final::Cms(code), _) => {
                out.extend_from_slice(format!("+CMS ERROR: {}", cms_text(code)).as_bytes())
            }
        }
        out.extend_from_slice(b"\r\n");
    }
}

/// TS 27.007 §9.2.1 texts for the codes this modem gives.
fn cme_text(code: u16) -> &'static str {
    match code {
        3 => "operation not allowed",
        4 => "operation not supported",
        10 => "SIM not inserted",
        11 => "SIM PIN required",
        12 => "SIM PUK required",
        13 => "SIM failure",
        16 => "incorrect password",
        30 => "no network service",
        50 => "Incorrect parameters",
        400 => "invalid input value",
        405 => "file not found",
        407 => "file already existed",
        421 => "no space",
        902 => "invalid parameter",
        903 => "operation not allowed in this state",
        _ => "unknown",
    }
}

/// TS 27.005 §3.2.5 texts, and the TS 24.011 / TS 23.040 causes under 128 and in 128-255.
fn cms_text(code: u16) -> &'static str {
    match code {
        1 => "Unassigned (unallocated) number",
        8 => "Operator determined barring",
        10 => "Call barred",
        21 => "Short message transfer rejected",
        27 => "Destination out of service",
        28 => "Unidentified subscriber",
        29 => "Facility rejected",
        30 => "Unknown subscriber",
        38 => "Network out of order",
        41 => "Temporary failure",
        42 => "Congestion",
        47 => "Resources unavailable, unspecified",
        50 => "Requested facility not subscribed",
        69 => "Requested facility not implemented",
        81 => "Invalid short message transfer reference value",
        95 => "Invalid message, unspecified",
        96 => "Invalid mandatory information",
        97 => "Message type non-existent or not implemented",
        98 => "Message not compatible with short message protocol state",
        99 => "Information element non-existent or not implemented",
        111 => "Protocol error, unspecified",
        127 => "Interworking, unspecified",
        128..=255 => "TP-FCS error",
        300 => "ME failure",
        301 => "SMS service of ME reserved",
        302 => "operation not allowed",
        303 => "operation not supported",
        304 => "invalid PDU mode parameter",
        305 => "invalid text mode parameter",
        310 => "SIM not inserted",
        311 => "SIM PIN required",
        312 => "PH-SIM PIN required",
        313 => "SIM failure",
        316 => "SIM PUK required",
        320 => "memory failure",
        321 => "invalid memory index",
        322 => "memory full",
        330 => "SMSC address unknown",
        331 => "no network service",
        332 => "network timeout",
        _ => "unknown error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cmee_shapes_the_final_result() {
        let cases: &[(Final, u8, &str)] = &[
            (Final::Ok, 0, "\r\nOK\r\n"),
            (Final::Error, 2, "\r\nERROR\r\n"),
            (Final::Cme(16), 0, "\r\nERROR\r\n"),
            (Final::Cme(16), 1, "\r\n+CME ERROR: 16\r\n"),
            (Final::Cme(16), 2, "\r\n+CME ERROR: incorrect password\r\n"),
            (Final::Cms(304), 0, "\r\nERROR\r\n"),
            (Final::Cms(500), 1, "\r\n+CMS ERROR: 500\r\n"),
            (Final::NoCarrier, 2, "\r\nNO CARRIER\r\n"),
            (Final::Busy, 0, "\r\nBUSY\r\n"),
            (
                Final::Cms(1),
                2,
                "\r\n+CMS ERROR: Unassigned (unallocated) number\r\n",
            ),
        ];
        for (result, cmee, want) in cases {
            let mut out = Vec::new();
            result.write(*cmee, &mut out);
            assert_eq!(
                String::from_utf8_lossy(&out),
                *want,
                "{result:?} cmee={cmee}"
            );
        }
    }
}
