//! A bounds-checked reader over PDU octets: every decoder reads through it, so a length
//! field that points past the end becomes [`DecodeError::Truncated`] naming the field, never
//! an out-of-bounds index.

use super::DecodeError;

pub(crate) struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, pos: 0 }
    }

    pub(crate) fn at(bytes: &'a [u8], pos: usize) -> Self {
        Self { bytes, pos }
    }

    pub(crate) fn position(&self) -> usize {
        self.pos
    }

    pub(crate) fn peek(&self, field: &'static str) -> Result<u8, DecodeError> {
        self.bytes
            .get(self.pos)
            .copied()
            .ok_or(DecodeError::Truncated(field))
    }

    pub(crate) fn u8(&mut self, field: &'static str) -> Result<u8, DecodeError> {
        let b = self.peek(field)?;
        self.pos += 1;
        Ok(b)
    }

    pub(crate) fn take(&mut self, n: usize, field: &'static str) -> Result<&'a [u8], DecodeError> {
        let end = self
            .pos
            .checked_add(n)
            .ok_or(DecodeError::Truncated(field))?;
        let slice = self
            .bytes
            .get(self.pos..end)
            .ok_or(DecodeError::Truncated(field))?;
        self.pos = end;
        Ok(slice)
    }

    /// Everything not read yet. Octets after the fields a decoder knows are ignored: some
    /// modems pad what they report.
    pub(crate) fn rest(&self) -> &'a [u8] {
        self.bytes.get(self.pos..).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_reports_the_field_that_ran_out() {
        let mut c = Cursor::new(&[1, 2, 3]);
        assert_eq!(c.u8("a"), Ok(1));
        assert_eq!(c.take(2, "b"), Ok(&[2u8, 3][..]));
        assert_eq!(c.u8("c"), Err(DecodeError::Truncated("c")));
        assert_eq!(c.take(1, "d"), Err(DecodeError::Truncated("d")));
        assert_eq!(c.take(usize::MAX, "e"), Err(DecodeError::Truncated("e")));
        assert!(c.rest().is_empty());
        assert_eq!(Cursor::at(&[1], 5).rest(), &[] as &[u8]);
    }
}
