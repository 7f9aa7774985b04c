//! RIFF/WAVE, as far as the voice path needs it: read 16-bit PCM (what espeak-ng writes) and
//! write 16-bit mono (what a modem that plays files takes). Pure; no byte input panics.
//!
//! A WAVE file is a `RIFF` header, the form type `WAVE`, then chunks of a 4-byte id, a
//! little-endian 32-bit size and the body, padded to an even length. Only `fmt ` (the
//! encoding) and `data` (the samples) matter here; `LIST`, `fact` and the rest are skipped.
//! Two deviations are tolerated on purpose:
//! - espeak-ng writing to a pipe (`--stdout`) cannot seek back to fill in the sizes, so its
//!   `data` size is a placeholder (`0x7FFFF000` in 1.51; others write 0 or `0xFFFFFFFF`):
//!   a data size of 0 or one past the end of the input means "the rest of the bytes";
//! - the RIFF size is ignored for the same reason.
//!
//! Stereo (or more channels) is mixed down to mono by averaging; a trailing partial sample
//! frame is dropped.

use super::pcm::Pcm;

/// `WAVE_FORMAT_PCM`.
const FORMAT_PCM: u16 = 1;
/// `WAVE_FORMAT_EXTENSIBLE`: the real format is the first two bytes of its sub-format GUID.
const FORMAT_EXTENSIBLE: u16 = 0xFFFE;

/// Why bytes are not a WAV file this module reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WavError {
    #[error("not a RIFF/WAVE file")]
    NotWave,
    #[error("the fmt chunk is {len} bytes, too short for a PCM format")]
    ShortFormat { len: usize },
    #[error("unsupported WAV encoding: format {format:#06x} with {bits} bits per sample (want 16-bit PCM)")]
    Unsupported { format: u16, bits: u16 },
    #[error("a WAV file with zero channels")]
    NoChannels,
    #[error("a WAV file with a sample rate of zero")]
    ZeroSampleRate,
    #[error("the data chunk comes before any fmt chunk")]
    DataBeforeFormat,
    #[error("no data chunk")]
    NoData,
}

/// What the `fmt ` chunk says, as far as decoding needs.
#[derive(Debug, Clone, Copy)]
struct Format {
    channels: u16,
    sample_rate: u32,
}

/// The samples of a 16-bit PCM WAV file, mixed down to mono.
pub fn parse(bytes: &[u8]) -> Result<Pcm, WavError> {
    if bytes.get(0..4) != Some(b"RIFF") || bytes.get(8..12) != Some(b"WAVE") {
        return Err(WavError::NotWave);
    }
    let mut format = None;
    let mut pos = 12;
    while let Some(header) = bytes.get(pos..pos + 8) {
        let (id, size) = header.split_at(4);
        let size = usize::try_from(le_u32(size)).unwrap_or(usize::MAX);
        let body_start = pos + 8;
        let rest = bytes.get(body_start..).unwrap_or_default();
        match id {
            b"fmt " => format = Some(parse_format(rest.get(..size).unwrap_or(rest))?),
            b"data" => {
                let format = format.ok_or(WavError::DataBeforeFormat)?;
                let body = match rest.get(..size) {
                    Some(body) if size > 0 => body,
                    // A streamed header: the size was never filled in.
                    _ => rest,
                };
                return Ok(decode(format, body));
            }
            _ => {}
        }
        // Bodies are padded to an even length; a size past the end ends the walk.
        match body_start
            .checked_add(size)
            .and_then(|end| end.checked_add(size & 1))
        {
            Some(next) if next <= bytes.len() => pos = next,
            _ => break,
        }
    }
    Err(WavError::NoData)
}

fn parse_format(body: &[u8]) -> Result<Format, WavError> {
    let field = |at: usize| {
        body.get(at..at + 2)
            .map_or(0, |b| u16::from_le_bytes([b[0], b[1]]))
    };
    if body.len() < 16 {
        return Err(WavError::ShortFormat { len: body.len() });
    }
    let mut format = field(0);
    let channels = field(2);
    let sample_rate = body.get(4..8).map_or(0, le_u32);
    let bits = field(14);
    if format == FORMAT_EXTENSIBLE {
        // cbSize (16), valid bits (18), channel mask (20), then the sub-format GUID (24).
        format = field(24);
    }
    if format != FORMAT_PCM || bits != 16 {
        return Err(WavError::Unsupported { format, bits });
    }
    if channels == 0 {
        return Err(WavError::NoChannels);
    }
    if sample_rate == 0 {
        return Err(WavError::ZeroSampleRate);
    }
    Ok(Format {
        channels,
        sample_rate,
    })
}

fn decode(format: Format, body: &[u8]) -> Pcm {
    let channels = usize::from(format.channels);
    let samples = body
        .chunks_exact(2 * channels)
        .map(|frame| {
            let sum: i32 = frame
                .chunks_exact(2)
                .map(|b| i32::from(i16::from_le_bytes([b[0], b[1]])))
                .sum();
            // The mean of i16 values is an i16.
            (sum / channels as i32) as i16
        })
        .collect();
    Pcm::new(format.sample_rate, samples)
}

fn le_u32(b: &[u8]) -> u32 {
    match *b {
        [a, b, c, d, ..] => u32::from_le_bytes([a, b, c, d]),
        _ => 0,
    }
}

/// A canonical 44-byte-header WAV file: 16-bit PCM, mono, at `pcm.sample_rate`.
pub fn encode(pcm: &Pcm) -> Vec<u8> {
    // Sizes saturate rather than wrap: a 2 GiB clip is a bug, not a file to corrupt.
    let data_len = u32::try_from(pcm.samples.len() * 2).unwrap_or(u32::MAX - 36);
    let mut out = Vec::with_capacity(44 + pcm.samples.len() * 2);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data_len).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&FORMAT_PCM.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes()); // channels
    out.extend_from_slice(&pcm.sample_rate.to_le_bytes());
    out.extend_from_slice(&pcm.sample_rate.saturating_mul(2).to_le_bytes()); // byte rate
    out.extend_from_slice(&2u16.to_le_bytes()); // block align
    out.extend_from_slice(&16u16.to_le_bytes()); // bits per sample
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    out.extend(pcm.samples.iter().flat_map(|s| s.to_le_bytes()));
    out
}

#[cfg(test)]
mod tests;
