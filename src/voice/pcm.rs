//! Mono 16-bit PCM in memory, and the shapes the voice backends need it in: 20 ms frames for
//! a modem's audio port, a WAV file for a modem that plays files. Pure.
//!
//! A GSM voice channel is narrowband telephony audio: 8000 samples per second, 16-bit linear
//! (the codec on the air interface is the modem's business). Huawei's voice-capable sticks
//! take it on their audio serial port as raw little-endian samples in 320-byte frames, one
//! every 20 ms.

use std::fmt;
use std::time::Duration;

/// The rate of a GSM voice channel's PCM.
pub const TELEPHONY_RATE: u32 = 8000;

/// 20 ms of [`TELEPHONY_RATE`] 16-bit mono: what a modem's audio port takes per write.
pub const FRAME_BYTES: usize = 320;

/// Below this RMS (about -60 dBFS) a rendering is silence, whatever a dither or a click adds.
pub const SILENCE_RMS: f64 = 32.0;

/// Mono 16-bit samples at `sample_rate` Hz. `Debug` shows the length, not the samples: the
/// audio of a code says the code.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Pcm {
    pub sample_rate: u32,
    pub samples: Vec<i16>,
}

impl fmt::Debug for Pcm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pcm")
            .field("sample_rate", &self.sample_rate)
            .field("samples", &self.samples.len())
            .finish()
    }
}

impl Pcm {
    pub fn new(sample_rate: u32, samples: Vec<i16>) -> Self {
        Pcm {
            sample_rate,
            samples,
        }
    }

    /// How long it plays; zero at a sample rate of zero.
    pub fn duration(&self) -> Duration {
        if self.sample_rate == 0 {
            return Duration::ZERO;
        }
        let nanos = self.samples.len() as u128 * 1_000_000_000 / u128::from(self.sample_rate);
        Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
    }

    /// The samples as little-endian frames of `frame_bytes` (use [`FRAME_BYTES`]), the last one
    /// padded with silence: an audio port is fed whole frames. An odd size is rounded down to
    /// whole samples, and anything under one sample taken as one.
    pub fn frames(&self, frame_bytes: usize) -> Frames<'_> {
        let per_frame = (frame_bytes / 2).max(1);
        Frames {
            chunks: self.samples.chunks(per_frame),
            frame_bytes: per_frame * 2,
        }
    }

    /// A 16-bit mono WAV file of these samples (see [`super::wav::encode`]).
    pub fn to_wav(&self) -> Vec<u8> {
        super::wav::encode(self)
    }

    /// Root mean square amplitude, 0 to 32768.
    pub fn rms(&self) -> f64 {
        if self.samples.is_empty() {
            return 0.0;
        }
        let sum: f64 = self.samples.iter().map(|&s| f64::from(s).powi(2)).sum();
        (sum / self.samples.len() as f64).sqrt()
    }

    /// Whether it is silence (or empty): RMS under [`SILENCE_RMS`].
    pub fn is_silent(&self) -> bool {
        self.rms() < SILENCE_RMS
    }
}

/// See [`Pcm::frames`].
pub struct Frames<'a> {
    chunks: std::slice::Chunks<'a, i16>,
    frame_bytes: usize,
}

impl Iterator for Frames<'_> {
    type Item = Vec<u8>;

    fn next(&mut self) -> Option<Vec<u8>> {
        let chunk = self.chunks.next()?;
        let mut frame = Vec::with_capacity(self.frame_bytes);
        frame.extend(chunk.iter().flat_map(|s| s.to_le_bytes()));
        frame.resize(self.frame_bytes, 0);
        Some(frame)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.chunks.size_hint()
    }
}

impl ExactSizeIterator for Frames<'_> {}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn durations() {
        let cases = [
            (8000, 8000, Duration::from_secs(1)),
            (8000, 160, Duration::from_millis(20)),
            (22050, 11025, Duration::from_millis(500)),
            (8000, 0, Duration::ZERO),
            (0, 100, Duration::ZERO),
        ];
        for (rate, len, want) in cases {
            assert_eq!(
                Pcm::new(rate, vec![0; len]).duration(),
                want,
                "{rate} {len}"
            );
        }
    }

    #[test]
    fn frames_are_little_endian_and_the_last_is_padded() {
        let pcm = Pcm::new(8000, vec![0x0102, -2, 0x7fff]);
        let frames: Vec<Vec<u8>> = pcm.frames(4).collect();
        assert_eq!(frames, vec![vec![2, 1, 0xfe, 0xff], vec![0xff, 0x7f, 0, 0]]);
        assert_eq!(
            pcm.frames(5).next().unwrap().len(),
            4,
            "odd size: whole samples"
        );
        assert_eq!(pcm.frames(0).count(), 3, "size zero: one sample each");
        assert_eq!(Pcm::new(8000, vec![]).frames(FRAME_BYTES).count(), 0);
    }

    #[test]
    fn one_second_is_fifty_frames_of_20ms() {
        let pcm = Pcm::new(TELEPHONY_RATE, vec![1; 8000]);
        let frames = pcm.frames(FRAME_BYTES);
        assert_eq!(frames.len(), 50);
        assert!(frames.into_iter().all(|f| f.len() == FRAME_BYTES));
    }

    #[test]
    fn rms_and_silence() {
        let cases: [(Vec<i16>, f64, bool); 5] = [
            (vec![], 0.0, true),
            (vec![0; 100], 0.0, true),
            (vec![1000, -1000], 1000.0, false),
            (vec![3, -3, 3], 3.0, true),
            (vec![i16::MIN; 4], 32768.0, false),
        ];
        for (samples, rms, silent) in cases {
            let pcm = Pcm::new(8000, samples);
            assert!((pcm.rms() - rms).abs() < 1e-9, "{pcm:?}");
            assert_eq!(pcm.is_silent(), silent, "{pcm:?}");
        }
    }

    #[test]
    fn debug_hides_the_samples() {
        let shown = format!("{:?}", Pcm::new(8000, vec![1234, 5678]));
        assert_eq!(shown, "Pcm { sample_rate: 8000, samples: 2 }");
    }

    proptest! {
        #[test]
        fn frames_carry_every_sample_in_order(
            samples in proptest::collection::vec(any::<i16>(), 0..2000),
            frame_bytes in 0usize..700,
        ) {
            let pcm = Pcm::new(8000, samples.clone());
            let bytes: Vec<u8> = pcm.frames(frame_bytes).flatten().collect();
            let back: Vec<i16> = bytes
                .chunks_exact(2)
                .map(|b| i16::from_le_bytes([b[0], b[1]]))
                .collect();
            prop_assert_eq!(&back[..samples.len()], &samples[..]);
            prop_assert!(back[samples.len()..].iter().all(|&s| s == 0));
        }
    }
}
