//! Tests across the codec's files: published PDUs, length tables, malformed input, and
//! property tests of the encoder against our own SMS-SUBMIT decoder.
//!
//! Every published vector names where it comes from. Those sources were read for their test
//! data only; no code was taken from them.

mod lengths;
mod malformed;
mod props;
mod vectors_received;
mod vectors_submit;

use super::{decode_submit, encode_submit, Body, SubmitOptions, SubmitPart};

/// Decodes every part with our SMS-SUBMIT decoder and joins the texts in `seq` order,
/// checking the concatenation header of each part on the way.
fn reassemble(parts: &[SubmitPart], concat_ref: u8) -> String {
    let total = parts.len();
    let mut texts = vec![None; total];
    for part in parts {
        let submit = decode_submit(&part.hex).unwrap();
        let seq = match submit.concat {
            None => {
                assert_eq!(total, 1, "a part of several lacks its header");
                1
            }
            Some(c) => {
                assert!(total > 1, "a lone part carries a header");
                assert_eq!(
                    (c.reference, usize::from(c.total)),
                    (u16::from(concat_ref), total)
                );
                c.seq
            }
        };
        assert_eq!(seq, part.seq);
        let text = match submit.body {
            Body::Text(t) => t,
            Body::Binary(_) => panic!("binary body"),
        };
        texts[usize::from(seq) - 1] = Some(text);
    }
    texts.into_iter().map(Option::unwrap).collect()
}

fn opts(validity: Option<u32>, status_report: bool) -> SubmitOptions {
    SubmitOptions {
        validity,
        status_report,
    }
}

fn encode(to: &str, text: &str, validity: Option<u32>) -> Vec<SubmitPart> {
    encode_submit(to, text, &opts(validity, false), 0).unwrap()
}
