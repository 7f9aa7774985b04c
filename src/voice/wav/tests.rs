use proptest::prelude::*;

use super::*;

fn chunk(id: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut out = id.to_vec();
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(body);
    if body.len() % 2 == 1 {
        out.push(0);
    }
    out
}

fn fmt_body(format: u16, channels: u16, rate: u32, bits: u16) -> Vec<u8> {
    let align = (u32::from(channels) * u32::from(bits) / 8) as u16;
    let mut b = Vec::new();
    b.extend_from_slice(&format.to_le_bytes());
    b.extend_from_slice(&channels.to_le_bytes());
    b.extend_from_slice(&rate.to_le_bytes());
    b.extend_from_slice(&rate.wrapping_mul(u32::from(align)).to_le_bytes());
    b.extend_from_slice(&align.to_le_bytes());
    b.extend_from_slice(&bits.to_le_bytes());
    b
}

fn samples(s: &[i16]) -> Vec<u8> {
    s.iter().flat_map(|v| v.to_le_bytes()).collect()
}

fn riff(chunks: &[Vec<u8>]) -> Vec<u8> {
    let body: Vec<u8> = chunks.concat();
    let mut out = b"RIFF".to_vec();
    out.extend_from_slice(&(4 + body.len() as u32).to_le_bytes());
    out.extend_from_slice(b"WAVE");
    out.extend_from_slice(&body);
    out
}

/// A data chunk whose size field says `size`, followed by `body`.
fn data_sized(size: u32, body: &[u8]) -> Vec<u8> {
    let mut out = b"data".to_vec();
    out.extend_from_slice(&size.to_le_bytes());
    out.extend_from_slice(body);
    out
}

#[test]
fn reads_what_it_should() {
    let mono = fmt_body(1, 1, 22050, 16);
    let stereo = fmt_body(1, 2, 8000, 16);
    let mut extensible = fmt_body(FORMAT_EXTENSIBLE, 1, 16000, 16);
    extensible.extend_from_slice(&[22, 0, 16, 0, 4, 0, 0, 0, 1, 0, 0, 0]);
    extensible.extend_from_slice(&[0, 0, 0x10, 0, 0x80, 0, 0, 0xaa, 0, 0x38, 0x9b, 0x71]);
    let three = [1i16, -2, 3];
    let cases: [(&str, Vec<u8>, Pcm); 10] = [
        (
            "canonical mono",
            riff(&[chunk(b"fmt ", &mono), chunk(b"data", &samples(&three))]),
            Pcm::new(22050, three.to_vec()),
        ),
        (
            "stereo averaged",
            riff(&[
                chunk(b"fmt ", &stereo),
                chunk(b"data", &samples(&[100, 300, -5, -6, i16::MAX, i16::MAX])),
            ]),
            Pcm::new(8000, vec![200, -5, i16::MAX]),
        ),
        (
            "LIST and odd-sized chunks around fmt",
            riff(&[
                chunk(b"LIST", b"INFOISFT\x05\0\0\0eSpk\0"),
                chunk(b"fmt ", &mono),
                chunk(b"odd ", b"abc"),
                chunk(b"data", &samples(&three)),
                chunk(b"LIST", b"trailing"),
            ]),
            Pcm::new(22050, three.to_vec()),
        ),
        (
            "espeak-ng 1.51 --stdout placeholder",
            riff(&[
                chunk(b"fmt ", &mono),
                data_sized(0x7FFF_F000, &samples(&three)),
            ]),
            Pcm::new(22050, three.to_vec()),
        ),
        (
            "0xFFFFFFFF placeholder",
            riff(&[
                chunk(b"fmt ", &mono),
                data_sized(u32::MAX, &samples(&three)),
            ]),
            Pcm::new(22050, three.to_vec()),
        ),
        (
            "zero placeholder",
            riff(&[chunk(b"fmt ", &mono), data_sized(0, &samples(&three))]),
            Pcm::new(22050, three.to_vec()),
        ),
        (
            "streamed, ending in half a sample",
            riff(&[chunk(b"fmt ", &mono), data_sized(0, &[1, 0, 2])]),
            Pcm::new(22050, vec![1]),
        ),
        (
            "an exact size stops before what follows",
            riff(&[chunk(b"fmt ", &mono), data_sized(2, &samples(&three))]),
            Pcm::new(22050, vec![1]),
        ),
        (
            "WAVE_FORMAT_EXTENSIBLE with the PCM sub-format",
            riff(&[
                chunk(b"fmt ", &extensible),
                chunk(b"data", &samples(&three)),
            ]),
            Pcm::new(16000, three.to_vec()),
        ),
        (
            "empty data",
            riff(&[
                chunk(b"fmt ", &fmt_body(1, 1, 8000, 16)),
                chunk(b"data", &[]),
            ]),
            Pcm::new(8000, vec![]),
        ),
    ];
    for (name, bytes, want) in cases {
        assert_eq!(parse(&bytes), Ok(want), "{name}");
    }
}

#[test]
fn refuses_what_it_should() {
    let mono = fmt_body(1, 1, 8000, 16);
    let data = chunk(b"data", &samples(&[1, 2]));
    let cases: [(&str, Vec<u8>, WavError); 10] = [
        ("empty", vec![], WavError::NotWave),
        ("RIFF alone", b"RIFF\0\0\0\0".to_vec(), WavError::NotWave),
        ("not WAVE", b"RIFF\0\0\0\0AVI ".to_vec(), WavError::NotWave),
        ("no chunks", riff(&[]), WavError::NoData),
        ("fmt only", riff(&[chunk(b"fmt ", &mono)]), WavError::NoData),
        (
            "data first",
            riff(&[data.clone(), chunk(b"fmt ", &mono)]),
            WavError::DataBeforeFormat,
        ),
        (
            "8-bit",
            riff(&[chunk(b"fmt ", &fmt_body(1, 1, 8000, 8)), data.clone()]),
            WavError::Unsupported { format: 1, bits: 8 },
        ),
        (
            "float",
            riff(&[chunk(b"fmt ", &fmt_body(3, 1, 8000, 32)), data.clone()]),
            WavError::Unsupported {
                format: 3,
                bits: 32,
            },
        ),
        (
            "short fmt",
            riff(&[chunk(b"fmt ", &mono[..14]), data.clone()]),
            WavError::ShortFormat { len: 14 },
        ),
        (
            "zero channels",
            riff(&[chunk(b"fmt ", &fmt_body(1, 0, 8000, 16)), data.clone()]),
            WavError::NoChannels,
        ),
    ];
    for (name, bytes, want) in cases {
        assert_eq!(parse(&bytes), Err(want), "{name}");
    }
    let zero_rate = riff(&[chunk(b"fmt ", &fmt_body(1, 1, 0, 16)), data]);
    assert_eq!(parse(&zero_rate), Err(WavError::ZeroSampleRate));
}

#[test]
fn writes_a_canonical_8k_mono_header() {
    let wav = encode(&Pcm::new(8000, vec![1, -1]));
    let mut want = b"RIFF".to_vec();
    want.extend_from_slice(&40u32.to_le_bytes());
    want.extend_from_slice(b"WAVEfmt ");
    want.extend_from_slice(&16u32.to_le_bytes());
    want.extend_from_slice(&fmt_body(1, 1, 8000, 16));
    want.extend_from_slice(b"data");
    want.extend_from_slice(&4u32.to_le_bytes());
    want.extend_from_slice(&[1, 0, 0xff, 0xff]);
    assert_eq!(wav, want);
}

proptest! {
    #[test]
    fn encode_then_parse_is_identity(
        rate in 1u32..200_000,
        s in proptest::collection::vec(any::<i16>(), 0..3000),
    ) {
        let pcm = Pcm::new(rate, s);
        prop_assert_eq!(parse(&encode(&pcm)), Ok(pcm));
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = parse(&bytes);
    }

    #[test]
    fn arbitrary_chunks_after_a_valid_header_never_panic(
        tail in proptest::collection::vec(any::<u8>(), 0..400),
        channels in any::<u16>(),
        size in any::<u32>(),
    ) {
        let mut bytes = riff(&[chunk(b"fmt ", &fmt_body(1, channels, 8000, 16))]);
        bytes.extend_from_slice(&data_sized(size, &tail));
        if let Ok(pcm) = parse(&bytes) {
            prop_assert!(pcm.samples.len() * 2 * usize::from(channels) <= tail.len());
        }
        let mut mangled = riff(&[]);
        mangled.extend_from_slice(&tail);
        let _ = parse(&mangled);
    }
}
