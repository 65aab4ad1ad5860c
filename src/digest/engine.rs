//! The three hash functions of the digest formulas (MD5, SHA-256,
//! SHA-512/256), framed here over the hash crates' raw compression
//! functions (`md5::block_api::compress`, `sha2::block_api::compress256` /
//! `compress512`; the SHA-256 one picks the CPU's SHA extensions at run
//! time).
//!
//! Why not the crates' `Digest` types: digest inputs are a few short
//! pieces (a user name, a nonce, 32 or 64 hex digits), and for those the
//! generic buffering and padding code cost about as much as the
//! compression itself. `Writer` gathers up to 128 bytes on the stack,
//! compresses them in one call, and pads once (RFC 1321 §3.1-3.2, FIPS
//! 180-4 §5.1). `settle` compresses what is complete so that a prefix
//! (a 64-hex-digit HA1 is exactly one SHA-256 block) can be kept and
//! continued without hashing it again. Checked against the crates'
//! `Digest` implementations on every length across the block boundaries
//! (tests below and `tests/digest_compute.rs`).

use super::hex::Hex;
#[allow(unused_imports)]
use crate::prelude::*;

/// One hash function: its block, state, initial value, padding length
/// field and output.
pub(crate) trait Engine {
    /// A message block (64 or 128 bytes).
    type Block: Copy + AsRef<[u8]> + AsMut<[u8]>;
    /// The chaining state.
    type State: Copy;
    /// The blocks gathered before one compression call: 128 bytes for
    /// every engine (two 64-byte blocks, one 128-byte one), small enough
    /// that a writer is cheap to set up.
    type Buf: Copy + AsRef<[Self::Block]> + AsMut<[Self::Block]>;
    /// A buffer of zeros.
    const ZERO_BUF: Self::Buf;
    /// The initial chaining value.
    const IV: Self::State;
    /// Bytes of the message-length field that ends the padding.
    const LEN_BYTES: usize;
    /// Compresses whole blocks into `state`.
    fn compress(state: &mut Self::State, blocks: &[Self::Block]);
    /// Writes the message length `bits` as the padding's length field
    /// (`dst` is `LEN_BYTES` long).
    fn write_len(bits: u64, dst: &mut [u8]);
    /// The digest of a final state, into `out`; returns its length in bytes.
    fn output(state: &Self::State, out: &mut [u8; 32]) -> usize;
}

/// MD5 (RFC 1321).
pub(crate) enum Md5 {}
/// SHA-256 (FIPS 180-4).
pub(crate) enum Sha256 {}
/// SHA-512/256 (FIPS 180-4 §5.3.6.2).
pub(crate) enum Sha512_256 {}

impl Engine for Md5 {
    type Block = [u8; 64];
    type State = [u32; 4];
    type Buf = [[u8; 64]; 2];
    const ZERO_BUF: Self::Buf = [[0; 64]; 2];
    const IV: [u32; 4] = [0x6745_2301, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476];
    const LEN_BYTES: usize = 8;

    #[inline]
    fn compress(state: &mut [u32; 4], blocks: &[[u8; 64]]) {
        md5::block_api::compress(state, blocks);
    }

    #[inline]
    fn write_len(bits: u64, dst: &mut [u8]) {
        dst.copy_from_slice(&bits.to_le_bytes());
    }

    #[inline]
    fn output(state: &[u32; 4], out: &mut [u8; 32]) -> usize {
        for (dst, w) in out.chunks_exact_mut(4).zip(state) {
            dst.copy_from_slice(&w.to_le_bytes());
        }
        16
    }
}

impl Engine for Sha256 {
    type Block = [u8; 64];
    type State = [u32; 8];
    type Buf = [[u8; 64]; 2];
    const ZERO_BUF: Self::Buf = [[0; 64]; 2];
    const IV: [u32; 8] = [
        0x6a09_e667,
        0xbb67_ae85,
        0x3c6e_f372,
        0xa54f_f53a,
        0x510e_527f,
        0x9b05_688c,
        0x1f83_d9ab,
        0x5be0_cd19,
    ];
    const LEN_BYTES: usize = 8;

    #[inline]
    fn compress(state: &mut [u32; 8], blocks: &[[u8; 64]]) {
        sha2::block_api::compress256(state, blocks);
    }

    #[inline]
    fn write_len(bits: u64, dst: &mut [u8]) {
        dst.copy_from_slice(&bits.to_be_bytes());
    }

    #[inline]
    fn output(state: &[u32; 8], out: &mut [u8; 32]) -> usize {
        for (dst, w) in out.chunks_exact_mut(4).zip(state) {
            dst.copy_from_slice(&w.to_be_bytes());
        }
        32
    }
}

impl Engine for Sha512_256 {
    type Block = [u8; 128];
    type State = [u64; 8];
    type Buf = [[u8; 128]; 1];
    const ZERO_BUF: Self::Buf = [[0; 128]; 1];
    const IV: [u64; 8] = [
        0x2231_2194_fc2b_f72c,
        0x9f55_5fa3_c84c_64c2,
        0x2393_b86b_6f53_b151,
        0x9638_7719_5940_eabd,
        0x9628_3ee2_a88e_ffe3,
        0xbe5e_1e25_5386_3992,
        0x2b01_99fc_2c85_b8aa,
        0x0eb7_2ddc_81c5_2ca2,
    ];
    const LEN_BYTES: usize = 16;

    #[inline]
    fn compress(state: &mut [u64; 8], blocks: &[[u8; 128]]) {
        sha2::block_api::compress512(state, blocks);
    }

    #[inline]
    fn write_len(bits: u64, dst: &mut [u8]) {
        // A 128-bit big-endian length; messages here are far below 2^64 bits.
        dst[..8].fill(0);
        dst[8..].copy_from_slice(&bits.to_be_bytes());
    }

    #[inline]
    fn output(state: &[u64; 8], out: &mut [u8; 32]) -> usize {
        for (dst, w) in out.chunks_exact_mut(8).zip(&state[..4]) {
            dst.copy_from_slice(&w.to_be_bytes());
        }
        32
    }
}

/// An incremental hash over `E`, on the stack.
///
/// Invariant: `buf` holds `pos` bytes not yet compressed (`pos` below
/// `BUF` bytes), and `done` bytes went into `state` before them.
pub(crate) struct Writer<E: Engine> {
    state: E::State,
    buf: E::Buf,
    pos: usize,
    done: u64,
}

impl<E: Engine> Clone for Writer<E> {
    #[inline]
    fn clone(&self) -> Self {
        Writer {
            state: self.state,
            buf: self.buf,
            pos: self.pos,
            done: self.done,
        }
    }
}

impl<E: Engine> Default for Writer<E> {
    #[inline]
    fn default() -> Self {
        Writer {
            state: E::IV,
            buf: E::ZERO_BUF,
            pos: 0,
            done: 0,
        }
    }
}

impl<E: Engine> Writer<E> {
    /// Block size in bytes.
    pub(crate) const BLOCK: usize = std::mem::size_of::<E::Block>();
    const BUF: usize = std::mem::size_of::<E::Buf>();

    /// Feeds `data`.
    #[inline]
    pub(crate) fn update(&mut self, mut data: &[u8]) {
        while !data.is_empty() {
            let (blk, off) = (self.pos / Self::BLOCK, self.pos % Self::BLOCK);
            let n = (Self::BLOCK - off).min(data.len());
            self.buf.as_mut()[blk].as_mut()[off..off + n].copy_from_slice(&data[..n]);
            self.pos += n;
            data = &data[n..];
            if self.pos == Self::BUF {
                E::compress(&mut self.state, self.buf.as_ref());
                self.done += self.pos as u64;
                self.pos = 0;
            }
        }
    }

    /// Feeds each piece in turn, with a `:` between consecutive pieces.
    #[inline]
    pub(crate) fn update_joined(&mut self, pieces: &[&[u8]]) {
        for (i, p) in pieces.iter().enumerate() {
            if i > 0 {
                self.update(b":");
            }
            self.update(p);
        }
    }

    /// Compresses the complete blocks now, so that a copy of this writer
    /// continues from the compressed state (a kept prefix costs nothing
    /// to hash again).
    #[inline]
    pub(crate) fn settle(&mut self) {
        let full = self.pos / Self::BLOCK;
        if full == 0 {
            return;
        }
        let blocks = self.buf.as_mut();
        E::compress(&mut self.state, &blocks[..full]);
        self.done += (full * Self::BLOCK) as u64;
        self.pos -= full * Self::BLOCK;
        if self.pos > 0 {
            blocks[0] = blocks[full];
        }
    }

    /// Continues from `prefix` (a settled writer, see `settle`): copies its
    /// state and only the bytes it still buffers.
    #[inline]
    pub(crate) fn resume_from(&mut self, prefix: &Writer<E>) {
        self.state = prefix.state;
        self.done = prefix.done;
        self.pos = 0;
        let (blk, off) = (prefix.pos / Self::BLOCK, prefix.pos % Self::BLOCK);
        for b in 0..blk {
            self.buf.as_mut()[b] = prefix.buf.as_ref()[b];
        }
        self.pos = blk * Self::BLOCK;
        self.update(&prefix.buf.as_ref()[blk].as_ref()[..off]);
    }

    /// Pads, compresses the rest, and returns the digest in lowercase hex.
    /// The writer is spent (its content is no longer meaningful); taking
    /// `&mut self` spares moving it.
    #[inline]
    pub(crate) fn finish(&mut self) -> Hex {
        let bits = (self.done + self.pos as u64).wrapping_mul(8);
        let (bl, len) = (Self::BLOCK, E::LEN_BYTES);
        let blocks = self.buf.as_mut();
        // Compress the complete blocks first, so the last (partial) one is
        // block 0 and the padding has the rest of the buffer.
        let (full, off) = (self.pos / bl, self.pos % bl);
        if full > 0 {
            E::compress(&mut self.state, &blocks[..full]);
            blocks[0] = blocks[full];
        }
        // 0x80, zeros, then the length at the end of this block, or of the
        // next one when fewer than `len` bytes are left after the 0x80.
        let first = blocks[0].as_mut();
        first[off] = 0x80;
        first[off + 1..].fill(0);
        if off + 1 + len <= bl {
            E::write_len(bits, &mut first[bl - len..]);
            E::compress(&mut self.state, &blocks[..1]);
        } else if blocks.len() >= 2 {
            let second = blocks[1].as_mut();
            second.fill(0);
            E::write_len(bits, &mut second[bl - len..]);
            E::compress(&mut self.state, &blocks[..2]);
        } else {
            E::compress(&mut self.state, &blocks[..1]);
            let first = blocks[0].as_mut();
            first.fill(0);
            E::write_len(bits, &mut first[bl - len..]);
            E::compress(&mut self.state, &blocks[..1]);
        }
        self.pos = 0;
        let mut out = [0u8; 32];
        let n = E::output(&self.state, &mut out);
        Hex::encode(&out[..n])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::Digest;

    fn ours<E: Engine>(data: &[u8], split: usize, settle: bool) -> String {
        let mut w = Writer::<E>::default();
        let (a, b) = data.split_at(split.min(data.len()));
        w.update(a);
        if settle {
            w.settle();
        }
        w.update(b);
        let mut resumed = Writer::<E>::default();
        resumed.resume_from(&w);
        assert_eq!(
            resumed.finish(),
            w.clone().finish(),
            "resume_from copies all"
        );
        w.finish().as_str().to_owned()
    }

    fn theirs<D: Digest>(data: &[u8]) -> String {
        Hex::encode(&D::digest(data)).as_str().to_owned()
    }

    /// Every length from 0 to past four 128-byte blocks, split at several
    /// points, with and without settling, equals the crates' digests.
    #[test]
    fn matches_the_crates_on_every_length() {
        let data: Vec<u8> = (0..600u32).map(|i| (i * 7 + 3) as u8).collect();
        for len in 0..data.len() {
            let d = &data[..len];
            let (md5, sha256, sha512_256) = (
                theirs::<md5::Md5>(d),
                theirs::<sha2::Sha256>(d),
                theirs::<sha2::Sha512_256>(d),
            );
            for split in [0, 1, 63, 64, 65, 127, 128, 129, 300] {
                for settle in [false, true] {
                    assert_eq!(ours::<Md5>(d, split, settle), md5, "MD5 len {len}");
                    assert_eq!(
                        ours::<Sha256>(d, split, settle),
                        sha256,
                        "SHA-256 len {len}"
                    );
                    assert_eq!(
                        ours::<Sha512_256>(d, split, settle),
                        sha512_256,
                        "SHA-512/256 len {len}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_settled_prefix_continues_in_copies() {
        let mut prefix = Writer::<Sha256>::default();
        prefix.update(&[b'a'; 64]);
        prefix.settle();
        let mut a = prefix.clone();
        a.update(b":x");
        let mut b = prefix.clone();
        b.update(b":y");
        let mut whole = [b'a'; 66];
        whole[64] = b':';
        whole[65] = b'x';
        assert_eq!(a.finish().as_str(), theirs::<sha2::Sha256>(&whole));
        whole[65] = b'y';
        assert_eq!(b.finish().as_str(), theirs::<sha2::Sha256>(&whole));
    }
}
