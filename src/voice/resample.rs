//! Sample-rate conversion to the 8 kHz of a voice channel, with rubato's synchronous FFT
//! resampler.
//!
//! espeak-ng speaks at 22050 Hz. Keeping every 2.76th sample would fold everything between
//! 4 kHz (the Nyquist frequency of 8 kHz) and 11 kHz back into the band as aliases, which in
//! speech is the hiss of fricatives turned into tones; the sibilants that tell "s" from "f"
//! live there. A band-limited resampler removes that band first. rubato's `Fft` resampler
//! does it for a fixed ratio (here 160/441) in the frequency domain, with an anti-aliasing
//! cutoff just under the new Nyquist frequency, and [`rubato::Resampler::process_all`] trims
//! its start-up delay, so the output lines up with the input and has `len * 8000 / 22050`
//! samples.

use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Fft, FixedSync, Resampler};

use super::pcm::{Pcm, TELEPHONY_RATE};

/// rubato's chunk size: a compromise between FFT efficiency and padding at the ends.
const CHUNK_FRAMES: usize = 1024;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ResampleError {
    #[error("cannot resample from {from} Hz to {to} Hz")]
    Construction {
        from: u32,
        to: u32,
        #[source]
        source: rubato::ResamplerConstructionError,
    },
    #[error("resampling failed")]
    Process(#[from] rubato::ResampleError),
    #[error("resampler input buffer")]
    Buffer(#[from] rubato::audioadapter_buffers::SizeError),
}

/// `pcm` at the 8000 Hz of a voice channel.
pub fn to_telephony(pcm: &Pcm) -> Result<Pcm, ResampleError> {
    resample(pcm, TELEPHONY_RATE)
}

/// `pcm` at `rate` Hz, band-limited to the lower of the two Nyquist frequencies.
pub fn resample(pcm: &Pcm, rate: u32) -> Result<Pcm, ResampleError> {
    let construction = |source| ResampleError::Construction {
        from: pcm.sample_rate,
        to: rate,
        source,
    };
    if pcm.sample_rate == rate {
        return Ok(pcm.clone());
    }
    if pcm.samples.is_empty() && rate > 0 && pcm.sample_rate > 0 {
        return Ok(Pcm::new(rate, Vec::new()));
    }
    let mut resampler = Fft::<f32>::new(
        pcm.sample_rate as usize,
        rate as usize,
        CHUNK_FRAMES,
        1,
        FixedSync::Both,
    )
    .map_err(construction)?;
    let input: Vec<f32> = pcm.samples.iter().map(|&s| f32::from(s)).collect();
    let adapter = InterleavedSlice::new(&input, 1, input.len())?;
    let output = resampler.process_all(&adapter, input.len(), None)?;
    let samples = output
        .take_data()
        .into_iter()
        // The filter rings past full scale on clipped input: saturate, never wrap.
        .map(|s| s.round().clamp(f32::from(i16::MIN), f32::from(i16::MAX)) as i16)
        .collect();
    Ok(Pcm::new(rate, samples))
}

#[cfg(test)]
mod tests {
    use std::f64::consts::TAU;

    use super::*;

    const ESPEAK_RATE: u32 = 22050;

    fn tone(hz: f64, rate: u32, seconds: f64, amplitude: f64) -> Pcm {
        let n = (f64::from(rate) * seconds) as usize;
        let samples = (0..n)
            .map(|i| (amplitude * (TAU * hz * i as f64 / f64::from(rate)).sin()).round() as i16)
            .collect();
        Pcm::new(rate, samples)
    }

    /// RMS of the middle, away from the edges where a filter settles.
    fn mid_rms(pcm: &Pcm) -> f64 {
        let n = pcm.samples.len();
        Pcm::new(pcm.sample_rate, pcm.samples[n / 4..3 * n / 4].to_vec()).rms()
    }

    /// Frequency by counting rising zero crossings over the middle half.
    fn frequency(pcm: &Pcm) -> f64 {
        let n = pcm.samples.len();
        let mid = &pcm.samples[n / 4..3 * n / 4];
        let rising = mid.windows(2).filter(|w| w[0] < 0 && w[1] >= 0).count();
        rising as f64 * f64::from(pcm.sample_rate) / mid.len() as f64
    }

    #[test]
    fn a_1khz_tone_keeps_its_pitch_and_level() {
        let input = tone(1000.0, ESPEAK_RATE, 1.0, 10000.0);
        let out = to_telephony(&input).unwrap();
        assert_eq!(out.sample_rate, 8000);
        let f = frequency(&out);
        assert!((f - 1000.0).abs() < 10.0, "frequency {f}");
        let (before, after) = (mid_rms(&input), mid_rms(&out));
        assert!(
            (after / before - 1.0).abs() < 0.02,
            "rms {before} -> {after}"
        );
    }

    #[test]
    fn a_tone_above_4khz_is_filtered_out_not_aliased() {
        // Dropping samples would fold 5.5 kHz to 2.5 kHz at full level.
        let input = tone(5500.0, ESPEAK_RATE, 1.0, 10000.0);
        let out = to_telephony(&input).unwrap();
        let ratio = mid_rms(&out) / mid_rms(&input);
        assert!(ratio < 0.01, "only {:.1} dB down", 20.0 * ratio.log10());
        let dropped = Pcm::new(
            8000,
            (0..8000).map(|i| input.samples[i * 441 / 160]).collect(),
        );
        assert!(
            mid_rms(&dropped) / mid_rms(&input) > 0.9,
            "the naive way aliases"
        );
    }

    #[test]
    fn length_scales_by_the_rate_ratio() {
        for len in [0usize, 1, 100, 1023, 1024, 22050, 50_000, 123_457] {
            let out = to_telephony(&Pcm::new(ESPEAK_RATE, vec![0; len])).unwrap();
            let want = len as f64 * 8000.0 / 22050.0;
            assert!(
                (out.samples.len() as f64 - want).abs() <= 1.0,
                "{len} -> {} (want {want:.1})",
                out.samples.len()
            );
        }
    }

    #[test]
    fn other_rates_and_identity() {
        let same = tone(440.0, 8000, 0.1, 1000.0);
        assert_eq!(to_telephony(&same).unwrap(), same);
        let up = resample(&tone(440.0, 8000, 0.5, 1000.0), 16000).unwrap();
        assert_eq!((up.sample_rate, up.samples.len()), (16000, 8000));
        let from_48k = to_telephony(&tone(300.0, 48000, 0.5, 1000.0)).unwrap();
        assert!((frequency(&from_48k) - 300.0).abs() < 10.0);
    }

    #[test]
    fn zero_rates_are_errors_not_panics() {
        assert!(matches!(
            to_telephony(&Pcm::new(0, vec![1, 2, 3])),
            Err(ResampleError::Construction {
                from: 0,
                to: 8000,
                ..
            })
        ));
        assert!(resample(&Pcm::new(8000, vec![1]), 0).is_err());
    }

    #[test]
    fn full_scale_input_saturates() {
        let square: Vec<i16> = (0..22050)
            .map(|i| if i / 50 % 2 == 0 { i16::MAX } else { i16::MIN })
            .collect();
        let out = to_telephony(&Pcm::new(ESPEAK_RATE, square)).unwrap();
        assert!(out.samples.iter().any(|&s| s == i16::MAX || s == i16::MIN));
    }
}
