//! The fast verifiers against independent implementations: RustCrypto `p256` and `sm2`
//! point arithmetic for the comb tables, `ring` and certseal's single SM2 verifier for the
//! verdicts.

use super::mont::{add_wide, limbs_to_be, Modulus};
use super::point::{Affine, Fe, Jacobian};
use super::*;

/// A fixed pseudo-random stream (SplitMix64), so failures reproduce.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn limbs(&mut self) -> [u64; 4] {
        [self.next(), self.next(), self.next(), self.next()]
    }
}

fn sec1<C: Curve>(p: &Jacobian<C>) -> Option<[u8; 65]> {
    let a = p.to_affine()?;
    let mut out = [4u8; 65];
    out[1..33].copy_from_slice(&a.x.to_be_bytes());
    out[33..].copy_from_slice(&a.y.to_be_bytes());
    Some(out)
}

/// Scalars at every window edge of widths 2–10 and pseudo-random ones, below n.
fn edge_scalars<C: Curve>() -> Vec<[u64; 4]> {
    let n = <C::N as Modulus>::M;
    let minus = |k: u64| mont::sub_mod::<C::N>(&[0; 4], &[k, 0, 0, 0]);
    let mut out = vec![
        [0; 4],
        [1, 0, 0, 0],
        [2, 0, 0, 0],
        minus(1),
        minus(2),
        minus(3),
    ];
    for bit in 1..256usize {
        let mut k = [0u64; 4];
        k[bit / 64] = 1 << (bit % 64);
        let k = mont::reduce_once::<C::N>(&k);
        out.push(k);
        out.push(mont::sub_mod::<C::N>(&k, &[1, 0, 0, 0]));
    }
    let mut rng = Rng(7);
    for _ in 0..60 {
        out.push(mont::reduce_once::<C::N>(&rng.limbs()));
    }
    // All-ones windows right below n.
    out.push(mont::sub_mod::<C::N>(&n, &[0x7f7f, 0, 0, 0]));
    out
}

#[test]
fn montgomery_constants_and_field_laws() {
    fn laws<M: Modulus>() {
        let mut rng = Rng(1);
        let one = Mont::<M>::ONE;
        assert_eq!(one.to_canonical(), [1, 0, 0, 0]);
        assert_eq!(Mont::<M>::from_u64(1), one);
        // M0INV: m·(−m⁻¹) ≡ −1 (mod 2⁶⁴).
        assert_eq!(M::M[0].wrapping_mul(M::M0INV), u64::MAX);
        for _ in 0..200 {
            let a = Mont::<M>::from_canonical(&mont::reduce_once::<M>(&rng.limbs()));
            let b = Mont::<M>::from_canonical(&mont::reduce_once::<M>(&rng.limbs()));
            let c = Mont::<M>::from_canonical(&mont::reduce_once::<M>(&rng.limbs()));
            assert_eq!(Mont::<M>::from_canonical(&a.to_canonical()), a);
            assert_eq!(a.square(), a.mul(&a));
            assert_eq!(a.mul(&b.add(&c)), a.mul(&b).add(&a.mul(&c)));
            assert_eq!(a.add(&b).sub(&b), a);
            assert_eq!(a.sub(&b).add(&b), a);
            assert_eq!(a.add(&a.neg()), Mont::ZERO);
            if !a.is_zero() {
                assert_eq!(a.mul(&a.invert_vartime()), one);
            }
        }
        // (m − 1)² = 1, the largest input.
        let minus_one = one.neg();
        assert_eq!(minus_one.square(), one);
        assert_eq!(minus_one.mul(&minus_one), one);
        let mut v = [
            Mont::<M>::from_u64(3),
            Mont::ZERO,
            minus_one,
            Mont::from_u64(7),
        ];
        let want: Vec<_> = v
            .iter()
            .map(|x| if x.is_zero() { *x } else { x.invert_vartime() })
            .collect();
        mont::batch_invert(&mut v, &mut Vec::new());
        assert_eq!(v.to_vec(), want);
    }
    laws::<P256Field>();
    laws::<P256Order>();
    #[cfg(feature = "sm2")]
    {
        laws::<Sm2Field>();
        laws::<Sm2Order>();
    }
}

#[test]
fn p256_comb_tables_multiply_like_rustcrypto() {
    use p256::elliptic_curve::sec1::ToEncodedPoint;
    use p256::elliptic_curve::PrimeField;
    let reference = |k: &[u64; 4], base: &p256::ProjectivePoint| -> Option<[u8; 65]> {
        let s = Option::<p256::Scalar>::from(p256::Scalar::from_repr(limbs_to_be(k).into()))?;
        let p = (*base * s).to_affine();
        p.to_encoded_point(false).as_bytes().try_into().ok()
    };
    let d = p256::Scalar::from(0x1234_5678_9abc_u64);
    let q = p256::ProjectivePoint::GENERATOR * d;
    let q_raw = q.to_affine().to_encoded_point(false);
    let key = KeyTable::<P256>::from_sec1(q_raw.as_bytes()).unwrap();
    let narrow = KeyTable::<P256>::from_sec1_with_window(q_raw.as_bytes(), 4).unwrap();
    for k in edge_scalars::<P256>() {
        let mut acc = Jacobian::IDENTITY;
        P256::generator_table().accumulate(&mut acc, &k);
        assert_eq!(
            sec1(&acc),
            reference(&k, &p256::ProjectivePoint::GENERATOR),
            "k·G, {k:x?}"
        );
        for table in [&key, &narrow] {
            let mut acc = Jacobian::IDENTITY;
            table.table.accumulate(&mut acc, &k);
            assert_eq!(sec1(&acc), reference(&k, &q), "k·Q, {k:x?}");
        }
    }
}

#[cfg(feature = "sm2")]
#[test]
fn sm2_comb_tables_multiply_like_rustcrypto() {
    use ::sm2 as rc;
    use rc::elliptic_curve::sec1::ToSec1Point;
    use rc::elliptic_curve::PrimeField;
    let reference = |k: &[u64; 4], base: &rc::ProjectivePoint| -> Option<[u8; 65]> {
        let s = Option::<rc::Scalar>::from(rc::Scalar::from_repr(limbs_to_be(k).into()))?;
        let p = (*base * s).to_affine();
        p.to_sec1_point(false).as_bytes().try_into().ok()
    };
    let q = rc::ProjectivePoint::GENERATOR * rc::Scalar::from(0xdead_beef_u64);
    let q_raw = q.to_affine().to_sec1_point(false);
    let key = KeyTable::<Sm2>::from_sec1(q_raw.as_bytes()).unwrap();
    for k in edge_scalars::<Sm2>() {
        let mut acc = Jacobian::IDENTITY;
        Sm2::generator_table().accumulate(&mut acc, &k);
        assert_eq!(
            sec1(&acc),
            reference(&k, &rc::ProjectivePoint::GENERATOR),
            "k·G"
        );
        let mut acc = Jacobian::IDENTITY;
        key.table.accumulate(&mut acc, &k);
        assert_eq!(sec1(&acc), reference(&k, &q), "k·P");
    }
}

#[test]
fn table_sizes_are_as_documented() {
    let g = P256::generator_table();
    // 33 rows × 128 affine points of 64 bytes.
    assert_eq!(g.memory(), 33 * 128 * 64);
    let mut raw = [4u8; 65];
    let a = Affine::<P256>::generator();
    raw[1..33].copy_from_slice(&a.x.to_be_bytes());
    raw[33..].copy_from_slice(&a.y.to_be_bytes());
    let key = KeyTable::<P256>::from_sec1(&raw).unwrap();
    // 37 rows × 64 points.
    assert_eq!(key.memory(), 37 * 64 * 64);
}

#[test]
fn doubling_and_addition_agree() {
    let g = Affine::<P256>::generator();
    let j = Jacobian::from(&g);
    let mut three = j.double();
    three.add_affine(&g);
    let also = j.add(&j.double());
    assert_eq!(sec1(&three), sec1(&also));
    // P + (−P) = O, O + P = P, P + P = 2P through the mixed addition.
    let mut acc = j;
    acc.add_affine(&g.neg());
    assert!(acc.is_identity());
    acc.add_affine(&g);
    assert_eq!(sec1(&acc), sec1(&j));
    acc.add_affine(&g);
    assert_eq!(sec1(&acc), sec1(&j.double()));
    assert!(j
        .add(&Jacobian::IDENTITY)
        .add(&j.double().add(&j))
        .to_affine()
        .is_some());
}

#[test]
fn keys_off_the_curve_or_malformed_have_no_table() {
    let g = Affine::<P256>::generator();
    let mut raw = [4u8; 65];
    raw[1..33].copy_from_slice(&g.x.to_be_bytes());
    raw[33..].copy_from_slice(&g.y.to_be_bytes());
    assert!(Affine::<P256>::from_sec1(&raw).is_some());
    let mut off = raw;
    off[64] ^= 1;
    assert!(Affine::<P256>::from_sec1(&off).is_none(), "off the curve");
    let mut compressed = raw;
    compressed[0] = 2;
    assert!(Affine::<P256>::from_sec1(&compressed).is_none());
    assert!(Affine::<P256>::from_sec1(&raw[..64]).is_none());
    // x = p (≥ p) with y of the real point: refused before the curve equation.
    let mut big = raw;
    big[1..33].copy_from_slice(&limbs_to_be(&P256Field::M));
    assert!(Affine::<P256>::from_sec1(&big).is_none());
    assert!(KeyTable::<P256>::from_sec1(&[0u8; 65]).is_none());
}

/// A point whose affine x lies in [n, p): x ≡ x − n (mod n) must match, x − n + 1 not.
fn x_above_n_case<C: Curve>() {
    let p_m = <C::P as Modulus>::M;
    let n = <C::N as Modulus>::M;
    // p ≡ 3 (mod 4) for both curves: √a = a^((p+1)/4).
    let (p1, _) = add_wide(&p_m, &[1, 0, 0, 0]);
    let e = [
        (p1[0] >> 2) | (p1[1] << 62),
        (p1[1] >> 2) | (p1[2] << 62),
        (p1[2] >> 2) | (p1[3] << 62),
        p1[3] >> 2,
    ];
    let b = Fe::<C>::from_be_bytes_reduced(&C::B);
    let mut x_int = n;
    let point = loop {
        x_int[0] += 1;
        let x = Fe::<C>::from_canonical(&x_int);
        let rhs = x.square().mul(&x).sub(&x.double().add(&x)).add(&b);
        let y = rhs.pow_vartime(&e);
        if y.square() == rhs {
            break Affine::<C> { x, y };
        }
    };
    assert!(point.is_on_curve());
    // In Jacobian form with Z ≠ 1.
    let z = Fe::<C>::from_u64(12345);
    let j = Jacobian::<C> {
        x: point.x.mul(&z.square()),
        y: point.y.mul(&z.square().mul(&z)),
        z,
    };
    let c = mont::sub_mod::<C::N>(&x_int, &n);
    assert!(j.x_is_mod_n(&c));
    assert!(!j.x_is_mod_n(&mont::add_mod::<C::N>(&c, &[1, 0, 0, 0])));
    assert!(!Jacobian::<C>::IDENTITY.x_is_mod_n(&[0; 4]));
}

#[test]
fn x_in_n_to_p_compares_as_x_minus_n() {
    x_above_n_case::<P256>();
    #[cfg(feature = "sm2")]
    x_above_n_case::<Sm2>();
}

mod ecdsa {
    use super::*;
    use ring::rand::SystemRandom;
    use ring::signature::{self, EcdsaKeyPair, KeyPair};

    fn ring_verify(key: &[u8], msg: &[u8], sig: &[u8]) -> bool {
        signature::UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, key)
            .verify(msg, sig)
            .is_ok()
    }

    fn digest(msg: &[u8]) -> [u8; 32] {
        ring::digest::digest(&ring::digest::SHA256, msg)
            .as_ref()
            .try_into()
            .unwrap()
    }

    /// Many signatures under two keys, mutated in every way the brief lists, verdicts
    /// compared with `ring` item by item.
    #[test]
    fn verdicts_equal_ring_on_valid_and_broken_signatures() {
        let rng = SystemRandom::new();
        let keys: Vec<EcdsaKeyPair> = (0..2)
            .map(|_| {
                let pkcs8 =
                    EcdsaKeyPair::generate_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
                        .unwrap();
                EcdsaKeyPair::from_pkcs8(
                    &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
                    pkcs8.as_ref(),
                    &rng,
                )
                .unwrap()
            })
            .collect();
        let tables: Vec<KeyTable<P256>> = keys
            .iter()
            .map(|k| KeyTable::from_sec1(k.public_key().as_ref()).unwrap())
            .collect();
        let n_be = limbs_to_be(&P256Order::M);
        let mut cases: Vec<(usize, Vec<u8>, Vec<u8>)> = Vec::new();
        for i in 0..40usize {
            let msg = format!("message {i}").into_bytes();
            let k = i % 2;
            let sig = keys[k].sign(&rng, &msg).unwrap().as_ref().to_vec();
            cases.push((k, msg.clone(), sig.clone()));
            // Under the other key of the pair.
            cases.push((1 - k, msg.clone(), sig.clone()));
            // A flipped bit in r, in s, in the message.
            let mut bad = sig.clone();
            bad[i % 64] ^= 1 << (i % 8);
            cases.push((k, msg.clone(), bad));
            let mut other = msg.clone();
            other.push(b'!');
            cases.push((k, other, sig.clone()));
            // s → n − s: valid for ring too (certseal's low-S rule sits above both).
            let mut high = sig.clone();
            let s = mont::sub_mod::<P256Order>(
                &[0; 4],
                &mont::limbs_from_be(high[32..].try_into().unwrap()),
            );
            high[32..].copy_from_slice(&limbs_to_be(&s));
            cases.push((k, msg.clone(), high));
        }
        let msg = b"edge".to_vec();
        let sig = keys[0].sign(&rng, &msg).unwrap().as_ref().to_vec();
        for (half, value) in [(0usize, [0u8; 32]), (1, [0u8; 32]), (0, n_be), (1, n_be)] {
            let mut s = sig.clone();
            s[half * 32..half * 32 + 32].copy_from_slice(&value);
            cases.push((0, msg.clone(), s));
        }
        for (half, value) in [(0usize, [0xffu8; 32]), (1, [0xff; 32])] {
            let mut s = sig.clone();
            s[half * 32..half * 32 + 32].copy_from_slice(&value);
            cases.push((0, msg.clone(), s));
        }
        // n + 1 in r: above n, refused (not reduced to 1).
        let (n1, _) = add_wide(&P256Order::M, &[1, 0, 0, 0]);
        let mut s = sig.clone();
        s[..32].copy_from_slice(&limbs_to_be(&n1));
        cases.push((0, msg.clone(), s));
        cases.push((0, msg.clone(), sig[..63].to_vec()));
        cases.push((0, msg.clone(), [sig.clone(), vec![0]].concat()));
        cases.push((0, msg.clone(), Vec::new()));

        let digests: Vec<[u8; 32]> = cases.iter().map(|(_, m, _)| digest(m)).collect();
        let items: Vec<EcdsaItem<'_, P256>> = cases
            .iter()
            .zip(&digests)
            .map(|((k, _, sig), d)| EcdsaItem {
                key: &tables[*k],
                digest: *d,
                sig,
            })
            .collect();
        let mut got = Vec::new();
        verify_ecdsa(&items, &mut got);
        let want: Vec<bool> = cases
            .iter()
            .map(|(k, m, s)| ring_verify(keys[*k].public_key().as_ref(), m, s))
            .collect();
        assert_eq!(got, want);
        assert!(
            want.iter().filter(|v| **v).count() >= 80,
            "valid cases present"
        );
        // Each item alone gives the same verdict as in the batch (the shared inversion
        // does not leak between items).
        for (item, want) in items.iter().zip(&want) {
            let one = [EcdsaItem {
                key: item.key,
                digest: item.digest,
                sig: item.sig,
            }];
            verify_ecdsa(&one, &mut got);
            assert_eq!(got, vec![*want]);
        }
    }

    /// u₁·G + u₂·Q = O is refused: Q = d·G and e ≡ −r·d.
    #[test]
    fn sum_at_infinity_is_refused() {
        let d = [0x1234_5678u64, 0, 0, 0];
        let mut q = Jacobian::<P256>::IDENTITY;
        P256::generator_table().accumulate(&mut q, &d);
        let raw = sec1(&q).unwrap();
        let table = KeyTable::<P256>::from_sec1(&raw).unwrap();
        let r = [77u64, 0, 0, 0];
        let s = [99u64, 0, 0, 0];
        let rd = Mont::<P256Order>::from_canonical(&r)
            .mul(&Mont::from_canonical(&d))
            .neg();
        let mut sig = limbs_to_be(&r).to_vec();
        sig.extend_from_slice(&limbs_to_be(&s));
        let item = EcdsaItem {
            key: &table,
            digest: rd.to_be_bytes(),
            sig: &sig,
        };
        let mut out = Vec::new();
        verify_ecdsa(&[item], &mut out);
        assert_eq!(out, vec![false]);
    }

    /// A signature whose R has x ∈ [n, p): r = x − n verifies (as ring and the standard
    /// say), built with Q = R, e = 0 and s = r so that u₁ = 0 and u₂ = 1.
    #[test]
    fn r_equal_x_minus_n_verifies() {
        let n = P256Order::M;
        let b = Fe::<P256>::from_be_bytes_reduced(&P256::B);
        let mut x_int = n;
        let mut e = P256Field::M;
        // (p + 1)/4.
        let (p1, _) = add_wide(&e, &[1, 0, 0, 0]);
        e = [
            (p1[0] >> 2) | (p1[1] << 62),
            (p1[1] >> 2) | (p1[2] << 62),
            (p1[2] >> 2) | (p1[3] << 62),
            p1[3] >> 2,
        ];
        let point = loop {
            x_int[0] += 1;
            let x = Fe::<P256>::from_canonical(&x_int);
            let rhs = x.square().mul(&x).sub(&x.double().add(&x)).add(&b);
            let y = rhs.pow_vartime(&e);
            if y.square() == rhs {
                break Affine::<P256> { x, y };
            }
        };
        let raw = sec1(&Jacobian::from(&point)).unwrap();
        let table = KeyTable::<P256>::from_sec1(&raw).unwrap();
        let r = mont::sub_mod::<P256Order>(&x_int, &n);
        let mut sig = limbs_to_be(&r).to_vec();
        sig.extend_from_slice(&limbs_to_be(&r));
        let mut out = Vec::new();
        verify_ecdsa(
            &[EcdsaItem {
                key: &table,
                digest: [0; 32],
                sig: &sig,
            }],
            &mut out,
        );
        assert_eq!(out, vec![true]);
        // RustCrypto's prehash verifier agrees.
        use p256::ecdsa::signature::hazmat::PrehashVerifier;
        let vk = p256::ecdsa::VerifyingKey::from_sec1_bytes(&raw).unwrap();
        let sig = p256::ecdsa::Signature::from_slice(&sig).unwrap();
        assert!(vk.verify_prehash(&[0; 32], &sig).is_ok());
    }
}

#[cfg(feature = "sm2")]
mod sm2 {
    use super::*;
    use crate::crypto::sm2::{Sm2Signer, Sm2VerifyingKey};

    /// e = SM3(Z ‖ M).
    fn e_of(key: &Sm2VerifyingKey, msg: &[u8]) -> [u8; 32] {
        use sm3::Digest;
        sm3::Sm3::new_with_prefix(key.z())
            .chain_update(msg)
            .finalize()
            .into()
    }

    #[test]
    fn verdicts_equal_the_single_verifier() {
        let signers: Vec<Sm2Signer> = (1u8..=2)
            .map(|i| {
                Sm2Signer::from_secret_bytes(&[i; 32], crate::crypto::sm2::DEFAULT_ID).unwrap()
            })
            .collect();
        let keys: Vec<Sm2VerifyingKey> =
            signers.iter().map(|s| s.verifying_key().unwrap()).collect();
        let tables: Vec<KeyTable<Sm2>> = keys
            .iter()
            .map(|k| KeyTable::from_sec1(k.raw()).unwrap())
            .collect();
        let n = Sm2Order::M;
        let n_be = limbs_to_be(&n);
        let mut cases: Vec<(usize, Vec<u8>, Vec<u8>)> = Vec::new();
        for i in 0..40usize {
            let msg = format!("message {i}").into_bytes();
            let k = i % 2;
            let sig = signers[k].sign_raw(&msg).unwrap().to_vec();
            cases.push((k, msg.clone(), sig.clone()));
            cases.push((1 - k, msg.clone(), sig.clone()));
            let mut bad = sig.clone();
            bad[(i * 7) % 64] ^= 1 << (i % 8);
            cases.push((k, msg.clone(), bad));
            let mut other = msg.clone();
            other.push(b'!');
            cases.push((k, other, sig.clone()));
        }
        let msg = b"edge".to_vec();
        let sig = signers[0].sign_raw(&msg).unwrap().to_vec();
        for (half, value) in [
            (0usize, [0u8; 32]),
            (1, [0u8; 32]),
            (0, n_be),
            (1, n_be),
            (0, [0xff; 32]),
            (1, [0xff; 32]),
        ] {
            let mut s = sig.clone();
            s[half * 32..half * 32 + 32].copy_from_slice(&value);
            cases.push((0, msg.clone(), s));
        }
        // r + s = n.
        let r = mont::limbs_from_be(sig[..32].try_into().unwrap());
        let s_for_n = mont::sub_mod::<Sm2Order>(&[0; 4], &r);
        let mut rs_n = sig.clone();
        rs_n[32..].copy_from_slice(&limbs_to_be(&s_for_n));
        cases.push((0, msg.clone(), rs_n));
        cases.push((0, msg.clone(), sig[..63].to_vec()));
        cases.push((0, msg.clone(), Vec::new()));

        let es: Vec<[u8; 32]> = cases.iter().map(|(k, m, _)| e_of(&keys[*k], m)).collect();
        let items: Vec<Sm2Item<'_>> = cases
            .iter()
            .zip(&es)
            .map(|((k, _, sig), e)| Sm2Item {
                key: &tables[*k],
                e: *e,
                sig,
            })
            .collect();
        let mut got = Vec::new();
        verify_sm2(&items, &mut got);
        let want: Vec<bool> = cases
            .iter()
            .map(|(k, m, s)| keys[*k].verify(m, s).is_ok())
            .collect();
        assert_eq!(got, want);
        assert!(want.iter().filter(|v| **v).count() >= 40);
    }

    /// s·G + t·P = O is refused: P = d·G, t = −s·d⁻¹, r = t − s.
    #[test]
    fn sum_at_infinity_is_refused() {
        type N = Sm2Order;
        let d = Mont::<N>::from_u64(0xdead_beef);
        let mut p = Jacobian::<Sm2>::IDENTITY;
        Sm2::generator_table().accumulate(&mut p, &d.to_canonical());
        let table = KeyTable::<Sm2>::from_sec1(&sec1(&p).unwrap()).unwrap();
        let s = Mont::<N>::from_u64(77);
        let t = s.mul(&d.invert_vartime()).neg();
        let r = t.sub(&s);
        let mut sig = r.to_be_bytes().to_vec();
        sig.extend_from_slice(&s.to_be_bytes());
        for e in [[0u8; 32], r.to_be_bytes(), [1; 32]] {
            let mut out = Vec::new();
            verify_sm2(
                &[Sm2Item {
                    key: &table,
                    e,
                    sig: &sig,
                }],
                &mut out,
            );
            assert_eq!(out, vec![false]);
        }
    }

    /// (e + x₁) mod n = r when x₁ ∈ [n, p): with s = 1, t = 1 + r, P = t⁻¹·(R − G) for a
    /// point R whose x lies in [n, p), and e = (r − x₁) mod n.
    #[test]
    fn x1_above_n_verifies() {
        type N = Sm2Order;
        let n = N::M;
        let b = Fe::<Sm2>::from_be_bytes_reduced(&Sm2::B);
        let (p1, _) = add_wide(&Sm2Field::M, &[1, 0, 0, 0]);
        let quarter = [
            (p1[0] >> 2) | (p1[1] << 62),
            (p1[1] >> 2) | (p1[2] << 62),
            (p1[2] >> 2) | (p1[3] << 62),
            p1[3] >> 2,
        ];
        let mut x_int = n;
        let big_r = loop {
            x_int[0] += 1;
            let x = Fe::<Sm2>::from_canonical(&x_int);
            let rhs = x.square().mul(&x).sub(&x.double().add(&x)).add(&b);
            let y = rhs.pow_vartime(&quarter);
            if y.square() == rhs {
                break Affine::<Sm2> { x, y };
            }
        };
        let r = Mont::<N>::from_u64(1000);
        let s = Mont::<N>::ONE;
        let t = r.add(&s);
        // P = t⁻¹·(R − G), by RustCrypto's arithmetic.
        use ::sm2 as rc;
        use rc::elliptic_curve::sec1::{FromSec1Point, ToSec1Point};
        use rc::elliptic_curve::PrimeField;
        let to_rc = |a: &Affine<Sm2>| {
            let mut raw = [4u8; 65];
            raw[1..33].copy_from_slice(&a.x.to_be_bytes());
            raw[33..].copy_from_slice(&a.y.to_be_bytes());
            let ep = rc::Sec1Point::from_bytes(raw).unwrap();
            rc::ProjectivePoint::from(
                Option::<rc::AffinePoint>::from(rc::AffinePoint::from_sec1_point(&ep)).unwrap(),
            )
        };
        let t_inv = rc::Scalar::from_repr(t.invert_vartime().to_be_bytes().into()).unwrap();
        let p = (to_rc(&big_r) - rc::ProjectivePoint::GENERATOR) * t_inv;
        let p_raw = p.to_affine().to_sec1_point(false);
        let table = KeyTable::<Sm2>::from_sec1(p_raw.as_bytes()).unwrap();
        let x1 = Mont::<N>::from_canonical(&mont::sub_mod::<N>(&x_int, &n));
        let e = r.sub(&x1);
        let mut sig = r.to_be_bytes().to_vec();
        sig.extend_from_slice(&s.to_be_bytes());
        let mut out = Vec::new();
        verify_sm2(
            &[Sm2Item {
                key: &table,
                e: e.to_be_bytes(),
                sig: &sig,
            }],
            &mut out,
        );
        assert_eq!(out, vec![true]);
        let e_wrong = e.add(&Mont::ONE);
        verify_sm2(
            &[Sm2Item {
                key: &table,
                e: e_wrong.to_be_bytes(),
                sig: &sig,
            }],
            &mut out,
        );
        assert_eq!(out, vec![false]);
    }
}
