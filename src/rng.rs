//! Random streams: one named generator, one stream per replication and purpose.
//!
//! Every stream derives from (master seed, replication, purpose, index) by SplitMix64
//! mixing, so a stream never depends on how many numbers another stream used. That is what
//! makes common random numbers work: the arrival stream of replication 3 is the same for
//! every model, whatever each model does with the families it generates.

use std::convert::Infallible;

use rand::{SeedableRng, TryRng};

mod exp1;
mod normal;
pub use exp1::exp1;
pub use normal::{standard_normal, standard_normal_out_of_line};

/// The project's one generator: xoshiro256++ (fast, 256-bit state, passes BigCrush), the
/// same numbers as `rand_xoshiro::Xoshiro256PlusPlus` from the same seed (tested below).
///
/// Why not that type itself: it is made only from a seed of bytes, which it reads back as
/// words. `seeded` has the words; written to the stack as words and read back 16 bytes at a
/// time, they could not be forwarded from those stores, so the read waited for every older
/// store to reach the cache (in the county, whose stores often miss, a fifth of
/// `new_family`'s time, where each episode's stream is seeded; `perf record`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generator {
    s: [u64; 4],
}

impl TryRng for Generator {
    type Error = Infallible;

    /// The upper half of the next word (its lowest bits are the weakest), as rand_xoshiro.
    #[inline]
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok((self.next_word() >> 32) as u32)
    }

    #[inline]
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        Ok(self.next_word())
    }

    #[inline]
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), Infallible> {
        rand::rand_core::utils::fill_bytes_via_next_word(dest, || Ok(self.next_word()))
    }
}

impl Generator {
    /// xoshiro256++'s step (Blackman and Vigna's reference code).
    #[inline(always)]
    fn next_word(&mut self) -> u64 {
        let s = &mut self.s;
        let result = s[0].wrapping_add(s[3]).rotate_left(23).wrapping_add(s[0]);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }
}

impl SeedableRng for Generator {
    type Seed = [u8; 32];

    /// The seed's bytes as four little-endian words; an all-zero seed (a state the generator
    /// never leaves) is taken as `seed_from_u64(0)`, as rand_xoshiro does.
    fn from_seed(seed: [u8; 32]) -> Generator {
        if seed == [0; 32] {
            return seeded(0);
        }
        let mut s = [0u64; 4];
        for (word, bytes) in s.iter_mut().zip(seed.chunks_exact(8)) {
            *word = u64::from_le_bytes(bytes.try_into().expect("chunks of eight bytes"));
        }
        Generator { s }
    }

    /// SplitMix64's first four outputs from `seed`, as rand_xoshiro (`seeded`).
    fn seed_from_u64(seed: u64) -> Generator {
        seeded(seed)
    }
}

/// What a stream is used for. Each purpose gets its own stream so that adding draws for one
/// purpose never shifts the numbers another purpose sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u64)]
pub enum Purpose {
    /// Arrival times and everything about a newly presenting family (model-independent).
    Arrivals = 1,
    /// Decisions during one episode (handoff outcomes, durations of assessments).
    Episode = 2,
    /// The need a family comes back with after an episode closes.
    Recurrence = 3,
    /// A unit's own decisions (who attends a panel meeting).
    Unit = 4,
    /// Staff turnover and vacancies (per model: staffing differs between models).
    Staff = 5,
    /// Hidden need arising and presenting (per model: access differs between models).
    Hidden = 6,
    /// A sweep's design points and Morris trajectories (drawn from the plan seed with
    /// replication 0, never from a replication's streams).
    Design = 7,
    /// A family's dealings with waiting lists (its patience, whether it is turned away,
    /// whether its need is then met elsewhere): one stream per family episode, so the same
    /// family draws the same in every model (common random numbers).
    WaitingList = 8,
}

/// SplitMix64's finaliser: a bijective mix with good avalanche.
pub fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The stream for (seed, replication, purpose, index).
pub fn stream(seed: u64, replication: u32, purpose: Purpose, index: u64) -> Generator {
    seeded(stream_seed(seed, replication, purpose, index))
}

/// `rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(seed)`, the same generator: its state is
/// SplitMix64's first four outputs from `seed`, which are `mix64` of `seed`, `seed + φ`,
/// `seed + 2φ` and `seed + 3φ` (SplitMix64 adds φ, the constant `mix64` adds first, before
/// each output). rand_xoshiro writes them through a byte-filling loop into an array and reads
/// them back, about 110 instructions where the words take 30; every episode that draws, every
/// recurrence and every family's waiting-list stream is seeded (1.4% of the county's
/// instructions). Four outputs of a bijection on distinct inputs are never all zero, the one
/// state the generator must not start from.
#[inline]
pub fn seeded(seed: u64) -> Generator {
    const PHI: u64 = 0x9E37_79B9_7F4A_7C15;
    let s = [seed, seed.wrapping_add(PHI), seed.wrapping_add(PHI.wrapping_mul(2)), seed.wrapping_add(PHI.wrapping_mul(3))].map(mix64);
    debug_assert_ne!(s, [0; 4]);
    Generator { s }
}

/// The same stream as `stream`, for a `key` from `stream_key`.
pub fn keyed_stream(key: u64, index: u64) -> Generator {
    seeded(mix64(key ^ index))
}

fn stream_seed(seed: u64, replication: u32, purpose: Purpose, index: u64) -> u64 {
    mix64(stream_key(seed, replication, purpose) ^ index)
}

/// The part of a stream's seed that does not depend on its index: the same for every stream
/// of one purpose in a replication, so a caller making many (one per episode) works it out
/// once (`LazyStream::keyed`).
pub fn stream_key(seed: u64, replication: u32, purpose: Purpose) -> u64 {
    mix64(mix64(mix64(seed) ^ u64::from(replication)) ^ (purpose as u64))
}

/// The same stream as `stream`, seeded on its first draw. Every episode has a stream of its
/// own, and seeding one (SplitMix64 filling 256 bits of state) costs about as much as a draw;
/// many episodes never draw (in mmc none does).
#[derive(Debug)]
pub struct LazyStream(LazyState);

#[derive(Debug)]
enum LazyState {
    /// `stream_key(..) ^ low` for the index `low`, or (`hashed`, `LazyStream::keyed_hashed`)
    /// for the index `mix64(hashed) ^ low`: the last mix of the seed, and the index's own,
    /// are left to the first draw too. One state, not two, so that a draw tests one tag.
    Unseeded {
        keyed_low: u64,
        hashed: Option<u64>,
    },
    Seeded(Generator),
}

impl LazyStream {
    pub fn new(seed: u64, replication: u32, purpose: Purpose, index: u64) -> Self {
        Self::keyed(stream_key(seed, replication, purpose), index)
    }

    /// The same stream as `new`, for a `key` from `stream_key`.
    pub fn keyed(key: u64, index: u64) -> Self {
        LazyStream(LazyState::Unseeded { keyed_low: key ^ index, hashed: None })
    }

    /// The same stream as `keyed(key, mix64(hashed) ^ low)`, with `mix64(hashed)` worked
    /// out at the first draw: an episode's index mixes its family's id (`Sim::open_episode`),
    /// and most episodes never draw (in mmc none does), so the mix was ten instructions a
    /// referral for nothing. (`^` is associative: `key ^ (mix64(hashed) ^ low)` is
    /// `(key ^ low) ^ mix64(hashed)`.)
    pub fn keyed_hashed(key: u64, hashed: u64, low: u64) -> Self {
        LazyStream(LazyState::Unseeded { keyed_low: key ^ low, hashed: Some(hashed) })
    }

    /// The generator, seeded at the first draw. Inlined into each draw (a call each, out of
    /// line, once the generator was the project's own), the seeding left out of line: once a
    /// stream, against several draws.
    #[inline(always)]
    fn generator(&mut self) -> &mut Generator {
        if let LazyState::Unseeded { keyed_low, hashed } = self.0 {
            self.seed(keyed_low, hashed);
        }
        match &mut self.0 {
            LazyState::Seeded(generator) => generator,
            LazyState::Unseeded { .. } => unreachable!("seeded above"),
        }
    }

    /// Seeds the stream from its key and index (`keyed_hashed`'s hashed part mixed in here).
    #[inline(never)]
    fn seed(&mut self, keyed_low: u64, hashed: Option<u64>) {
        let keyed_index = keyed_low ^ hashed.map_or(0, mix64);
        self.0 = LazyState::Seeded(seeded(mix64(keyed_index)));
    }
}

impl rand::TryRng for LazyStream {
    type Error = std::convert::Infallible;

    #[inline]
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        Ok(rand::Rng::next_u32(self.generator()))
    }

    #[inline]
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        Ok(rand::Rng::next_u64(self.generator()))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        rand::Rng::fill_bytes(self.generator(), dst);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a = stream(1, 0, Purpose::Arrivals, 0).next_u64();
        assert_eq!(a, stream(1, 0, Purpose::Arrivals, 0).next_u64());
        assert_ne!(a, stream(1, 1, Purpose::Arrivals, 0).next_u64());
        assert_ne!(a, stream(1, 0, Purpose::Episode, 0).next_u64());
        assert_ne!(a, stream(2, 0, Purpose::Arrivals, 0).next_u64());
        assert_ne!(a, stream(1, 0, Purpose::Arrivals, 1).next_u64());
    }

    #[test]
    fn seeded_is_seed_from_u64() {
        let mut seeds = stream(3, 1, Purpose::Design, 0);
        for seed in [0, 1, u64::MAX, 0x9E37_79B9_7F4A_7C15, 0u64.wrapping_sub(0x9E37_79B9_7F4A_7C15)]
            .into_iter()
            .chain((0..1000).map(|_| seeds.next_u64()))
        {
            let (mut ours, mut theirs) = (seeded(seed), rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(seed));
            for _ in 0..4 {
                assert_eq!(ours.next_u64(), theirs.next_u64(), "seed {seed}");
            }
        }
    }

    /// The generator is rand_xoshiro's xoshiro256++, number for number, whatever is drawn:
    /// words, half words, bytes (of every length up to two words past a whole one), floats
    /// and ranges; made by `from_seed` (an all-zero seed too) or `seed_from_u64`.
    #[test]
    fn generator_is_rand_xoshiro() {
        use rand::RngExt;
        let mut seeds = stream(5, 2, Purpose::Design, 0);
        let mut byte_seeds: Vec<[u8; 32]> = vec![[0; 32], [1; 32], [255; 32]];
        let mut first = [0u8; 32];
        first[31] = 1;
        byte_seeds.push(first);
        for _ in 0..200 {
            let mut bytes = [0u8; 32];
            seeds.fill_bytes(&mut bytes);
            byte_seeds.push(bytes);
        }
        let pairs = byte_seeds
            .iter()
            .map(|&bytes| (Generator::from_seed(bytes), rand_xoshiro::Xoshiro256PlusPlus::from_seed(bytes)))
            .chain((0..200).map(|_| {
                let seed = seeds.next_u64();
                (Generator::seed_from_u64(seed), rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(seed))
            }));
        for (mut ours, mut theirs) in pairs {
            for round in 0..50usize {
                assert_eq!(ours.next_u64(), theirs.next_u64());
                assert_eq!(ours.next_u32(), theirs.next_u32());
                let (mut a, mut b) = ([0u8; 19], [0u8; 19]);
                let n_bytes = round % 20;
                ours.fill_bytes(&mut a[..n_bytes]);
                theirs.fill_bytes(&mut b[..n_bytes]);
                assert_eq!(a, b);
                assert_eq!(ours.random::<f64>().to_bits(), theirs.random::<f64>().to_bits());
                assert_eq!(ours.random_range(0..=round as u64 * 977), theirs.random_range(0..=round as u64 * 977));
            }
        }
    }

    #[test]
    fn keyed_streams_are_the_streams() {
        for (seed, replication, purpose, index) in
            [(9, 3, Purpose::Episode, 77), (1, 0, Purpose::WaitingList, u64::MAX), (0, 7, Purpose::Recurrence, 0)]
        {
            let key = stream_key(seed, replication, purpose);
            let (mut eager, mut keyed, mut lazy) =
                (stream(seed, replication, purpose, index), keyed_stream(key, index), LazyStream::keyed(key, index));
            for _ in 0..100 {
                let a = eager.next_u64();
                assert_eq!(a, keyed.next_u64());
                assert_eq!(a, lazy.next_u64());
            }
        }
    }

    #[test]
    fn a_hashed_lazy_stream_is_the_keyed_stream_of_the_mixed_index() {
        for (hashed, low) in [(0, 0), (1, 0), (0, 1), (7, 3), (u64::MAX, 1), (0x1234_5678_9ABC_DEF0, u64::from(u32::MAX))] {
            let key = stream_key(5, 2, Purpose::Episode);
            let (mut keyed, mut lazy) = (keyed_stream(key, mix64(hashed) ^ low), LazyStream::keyed_hashed(key, hashed, low));
            for _ in 0..20 {
                assert_eq!(keyed.next_u64(), lazy.next_u64());
            }
        }
    }

    // `rand_distr`'s samplers as a plain use of the generator, here the same on both sides.
    #[test]
    #[allow(clippy::disallowed_types)]
    fn a_lazy_stream_draws_the_same_numbers() {
        use rand::RngExt;
        use rand_distr::{Exp1, StandardNormal};
        let (mut eager, mut lazy) = (stream(9, 3, Purpose::Episode, 77), LazyStream::new(9, 3, Purpose::Episode, 77));
        for _ in 0..100 {
            assert_eq!(eager.next_u64(), lazy.next_u64());
            assert_eq!(eager.next_u32(), lazy.next_u32());
            assert_eq!(eager.random::<f64>().to_bits(), lazy.random::<f64>().to_bits());
            let (a, b): (f64, f64) = (eager.sample(Exp1), lazy.sample(Exp1));
            assert_eq!(a.to_bits(), b.to_bits());
            let (a, b): (f64, f64) = (eager.sample(StandardNormal), lazy.sample(StandardNormal));
            assert_eq!(a.to_bits(), b.to_bits());
        }
    }
}
