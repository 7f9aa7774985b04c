//! Sound formats the simulated modem reads and writes, with its own small code: the RIFF/WAVE
//! header of 8 kHz 16-bit mono PCM recordings (Microsoft RIFF, "WAVE_FORMAT_PCM"), the
//! length of an uploaded WAV from its "fmt " and "data" chunks, and of an AMR-NB file
//! (RFC 4867 §5 storage format: "#!AMR\n", then 20 ms frames whose size the frame type
//! in each header octet gives, 3GPP TS 26.101).

use std::time::Duration;

/// The audio port's PCM: 8000 Hz, 16-bit little-endian, mono.
pub(super) const RATE: u32 = 8000;
pub(super) const BYTES_PER_MS: u64 = 16;
/// One 20 ms frame on the audio port.
pub(super) const FRAME: usize = 320;
pub(super) const FRAME_EVERY: Duration = Duration::from_millis(20);

/// Where the PCM of call `id` is recorded.
pub(super) fn wav_path(dir: &std::path::Path, id: u32) -> std::path::PathBuf {
    dir.join(format!("call-{id}.wav"))
}

/// The 44-octet header of a PCM WAV file holding `data_len` octets of samples.
pub(super) fn wav_header(data_len: u32) -> [u8; 44] {
    let mut h = [0u8; 44];
    let mut at = 0;
    let mut put = |bytes: &[u8]| {
        if let Some(dst) = h.get_mut(at..at + bytes.len()) {
            dst.copy_from_slice(bytes);
        }
        at += bytes.len();
    };
    put(b"RIFF");
    put(&data_len.saturating_add(36).to_le_bytes());
    put(b"WAVEfmt ");
    put(&16u32.to_le_bytes());
    put(&1u16.to_le_bytes()); // PCM
    put(&1u16.to_le_bytes()); // mono
    put(&RATE.to_le_bytes());
    put(&(RATE * 2).to_le_bytes()); // byte rate
    put(&2u16.to_le_bytes()); // block align
    put(&16u16.to_le_bytes()); // bits per sample
    put(b"data");
    put(&data_len.to_le_bytes());
    h
}

/// What the modem makes of a sound file: its format and how long it plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Sound {
    pub format: &'static str,
    pub duration: Duration,
}

/// WAV, AMR-NB, or "unknown" (which plays for no time at all).
pub(super) fn sound(bytes: &[u8]) -> Sound {
    if let Some(duration) = wav_duration(bytes) {
        return Sound {
            format: "wav",
            duration,
        };
    }
    if let Some(duration) = amr_duration(bytes) {
        return Sound {
            format: "amr",
            duration,
        };
    }
    Sound {
        format: "unknown",
        duration: Duration::ZERO,
    }
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

/// Walks the RIFF chunks for "fmt " (PCM parameters) and "data" (its size; a data chunk cut
/// short counts what is there).
fn wav_duration(b: &[u8]) -> Option<Duration> {
    if b.get(..4)? != b"RIFF" || b.get(8..12)? != b"WAVE" {
        return None;
    }
    let (mut at, mut byte_rate, mut data) = (12usize, None, None);
    while let (Some(id), Some(size)) = (b.get(at..at + 4), u32_at(b, at + 4)) {
        let body = at + 8;
        match id {
            b"fmt " => {
                let channels = u64::from(u16_at(b, body + 2)?);
                let rate = u64::from(u32_at(b, body + 4)?);
                let bits = u64::from(u16_at(b, body + 14)?);
                byte_rate = Some(rate * channels * bits.div_ceil(8));
            }
            b"data" => {
                let have = b.len().saturating_sub(body);
                data = Some(u64::try_from(have).ok()?.min(u64::from(size)));
            }
            _ => {}
        }
        let size = usize::try_from(size).ok()?;
        at = body.checked_add(size)?.checked_add(size % 2)?;
    }
    let byte_rate = byte_rate.filter(|r| *r > 0)?;
    Some(Duration::from_millis(data? * 1000 / byte_rate))
}

/// Counts AMR-NB frames: 20 ms each, whatever their mode.
fn amr_duration(b: &[u8]) -> Option<Duration> {
    // Speech bits per frame type 0-7 (4.75 to 12.2 kbit/s), SID 8; 15 is NO_DATA.
    const OCTETS: [usize; 16] = [12, 13, 15, 17, 19, 20, 26, 31, 5, 0, 0, 0, 0, 0, 0, 0];
    let mut at = b.strip_prefix(b"#!AMR\n").map(|_| 6)?;
    let mut frames: u64 = 0;
    while let Some(header) = b.get(at) {
        let kind = usize::from((header >> 3) & 0x0F);
        at += 1 + OCTETS.get(kind).copied().unwrap_or(0);
        frames += 1;
    }
    Some(Duration::from_millis(frames * 20))
}

/// The Quectel upload checksum (FILE AT Commands Manual, AT+QFUPL): XOR of the data taken as
/// big-endian 16-bit words, an odd last octet being the high half of a word.
pub(super) fn xor16(data: &[u8]) -> u16 {
    data.chunks(2).fold(0u16, |acc, pair| {
        let word = match pair {
            [hi, lo] => u16::from_be_bytes([*hi, *lo]),
            [hi] => u16::from_be_bytes([*hi, 0]),
            _ => 0,
        };
        acc ^ word
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_and_reads_a_wav_header() {
        let mut file = wav_header(16_000).to_vec();
        assert_eq!(&file[..4], b"RIFF");
        assert_eq!(u32_at(&file, 4), Some(16_036));
        assert_eq!(u32_at(&file, 24), Some(8000));
        file.extend(vec![0u8; 16_000]);
        assert_eq!(
            sound(&file),
            Sound {
                format: "wav",
                duration: Duration::from_secs(1)
            }
        );
        // Cut short: what is there counts.
        file.truncate(44 + 8000);
        assert_eq!(sound(&file).duration, Duration::from_millis(500));
    }

    #[test]
    fn reads_other_formats() {
        let mut amr = b"#!AMR\n".to_vec();
        for _ in 0..50 {
            amr.push(0x3C); // frame type 7 (12.2 kbit/s)
            amr.extend([0u8; 31]);
        }
        assert_eq!(sound(&amr).duration, Duration::from_secs(1));
        assert_eq!(sound(&amr).format, "amr");
        for junk in [&b""[..], b"RIFF", b"RIFF\xff\xff\xff\xffWAVEfmt ", b"hello"] {
            assert_eq!(sound(junk).format, "unknown", "{junk:?}");
        }
    }

    #[test]
    fn quectel_checksum() {
        assert_eq!(xor16(b""), 0);
        assert_eq!(xor16(&[0x12, 0x34, 0x56, 0x78]), 0x1234 ^ 0x5678);
        assert_eq!(xor16(&[0x12, 0x34, 0xAB]), 0x1234 ^ 0xAB00);
    }
}
