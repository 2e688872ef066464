//! The provider's ES256 signing keys: made on demand, rotated by age or by command, published in
//! the JWKS until every token they signed has expired. Keys live in the database, so every node
//! signs with the same key and publishes the same set.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sigillo_domain::oidc::{KEY_PUBLISHED_AFTER_SIGNING, KEY_SIGNING_LIFETIME, SigningKey, base64url};
use sigillo_domain::store::StoreError;
use time::OffsetDateTime;

use crate::{Sigillo, now};

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("signing key: {0}")]
    Crypto(String),
}

/// Makes a fresh P-256 key pair, valid from `now`.
pub fn generate_key(now: OffsetDateTime) -> Result<SigningKey, KeyError> {
    let rng = SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
        .map_err(|_| KeyError::Crypto("key generation failed".into()))?;
    let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref())
        .map_err(|_| KeyError::Crypto("generated key does not parse".into()))?;
    // An uncompressed point: 0x04, then x and y of 32 bytes each.
    let point = pair.public_key().as_ref();
    if point.len() != 65 || point[0] != 4 {
        return Err(KeyError::Crypto("unexpected public key encoding".into()));
    }
    let (x, y) = (base64url(&point[1..33]), base64url(&point[33..65]));
    // The kid is derived from the public key (RFC 7638 thumbprint), so it never collides by chance.
    let thumbprint_input = format!(r#"{{"crv":"P-256","kty":"EC","x":"{x}","y":"{y}"}}"#);
    let kid = base64url(&sha2_256(thumbprint_input.as_bytes()));
    let jwk = serde_json::json!({
        "kty": "EC", "crv": "P-256", "x": x, "y": y, "use": "sig", "alg": "ES256", "kid": kid,
    });
    let signs_until = now + KEY_SIGNING_LIFETIME;
    Ok(SigningKey {
        kid,
        algorithm: "ES256".to_owned(),
        private_pkcs8: pkcs8.as_ref().to_vec(),
        public_jwk: jwk.to_string(),
        created_at: now,
        signs_until,
        published_until: signs_until + KEY_PUBLISHED_AFTER_SIGNING,
    })
}

fn sha2_256(bytes: &[u8]) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).to_vec()
}

impl Sigillo {
    /// The key that signs now: the newest one still in its signing period, made if there is none.
    /// Two nodes making one at the same moment is harmless: both are published, the newer signs.
    pub async fn signing_key(&self) -> Result<SigningKey, KeyError> {
        let now = now();
        let keys = self.store.signing_keys().await?;
        if let Some(key) = keys.into_iter().find(|k| k.signs_at(now)) {
            return Ok(key);
        }
        self.rotate_signing_key().await
    }

    /// Makes a new key that signs from now on; older keys stay published until they lapse. Keys no
    /// longer published are deleted.
    pub async fn rotate_signing_key(&self) -> Result<SigningKey, KeyError> {
        let now = now();
        let key = generate_key(now)?;
        self.store.insert_signing_key(&key).await?;
        let pruned = self.store.delete_unpublished_keys(now).await?;
        tracing::info!(kid = %key.kid, pruned, "new OpenID Connect signing key");
        Ok(key)
    }

    /// The JWKS: every key published now.
    pub async fn jwks(&self) -> Result<serde_json::Value, KeyError> {
        let now = now();
        let mut keys = self.store.signing_keys().await?;
        if !keys.iter().any(|k| k.signs_at(now)) {
            self.signing_key().await?;
            keys = self.store.signing_keys().await?;
        }
        let published: Vec<serde_json::Value> = keys
            .iter()
            .filter(|k| k.published_at(now))
            .filter_map(|k| serde_json::from_str(&k.public_jwk).ok())
            .collect();
        Ok(serde_json::json!({ "keys": published }))
    }

    /// A signed JWT (ES256) of `claims`, with the current key's kid.
    pub async fn sign_jwt<T: Serialize>(&self, claims: &T) -> Result<String, KeyError> {
        let key = self.signing_key().await?;
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(key.kid.clone());
        let encoding = EncodingKey::from_ec_der(&key.private_pkcs8);
        jsonwebtoken::encode(&header, claims, &encoding).map_err(|e| KeyError::Crypto(e.to_string()))
    }

    /// The claims of a JWT this provider signed with a key still published, whatever its expiry
    /// (an `id_token_hint` may have expired). `None` for anything else.
    pub async fn verify_own_jwt<T: DeserializeOwned>(&self, jwt: &str) -> Result<Option<T>, KeyError> {
        let Ok(header) = jsonwebtoken::decode_header(jwt) else { return Ok(None) };
        let Some(kid) = header.kid else { return Ok(None) };
        let now = now();
        let keys = self.store.signing_keys().await?;
        let Some(key) = keys.iter().find(|k| k.kid == kid && k.published_at(now)) else { return Ok(None) };
        let Ok(jwk) = serde_json::from_str::<serde_json::Value>(&key.public_jwk) else { return Ok(None) };
        let (Some(x), Some(y)) = (jwk["x"].as_str(), jwk["y"].as_str()) else { return Ok(None) };
        let Ok(decoding) = DecodingKey::from_ec_components(x, y) else { return Ok(None) };
        let mut validation = Validation::new(Algorithm::ES256);
        validation.validate_exp = false;
        validation.validate_aud = false;
        validation.set_issuer(&[self.issuer()]);
        validation.required_spec_claims.clear();
        Ok(jsonwebtoken::decode::<T>(jwt, &decoding, &validation).ok().map(|data| data.claims))
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn generated_keys_are_distinct_es256_jwks() {
        let t = datetime!(2026-06-01 0:00 UTC);
        let a = generate_key(t).unwrap_or_else(|e| panic!("{e}"));
        let b = generate_key(t).unwrap_or_else(|e| panic!("{e}"));
        assert_ne!(a.kid, b.kid);
        let jwk: serde_json::Value = serde_json::from_str(&a.public_jwk).unwrap_or_default();
        assert_eq!(jwk["kty"], "EC");
        assert_eq!(jwk["crv"], "P-256");
        assert_eq!(jwk["kid"], a.kid.as_str());
        assert_eq!(jwk["x"].as_str().map(str::len), Some(43));
        assert!(a.signs_at(t) && !a.signs_at(t + KEY_SIGNING_LIFETIME));
        assert!(a.published_at(t + KEY_SIGNING_LIFETIME) && !a.published_at(a.published_until));
    }

    #[test]
    fn a_signed_token_verifies_with_the_published_key_only() {
        let key = generate_key(datetime!(2026-06-01 0:00 UTC)).unwrap_or_else(|e| panic!("{e}"));
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(key.kid.clone());
        let claims = serde_json::json!({"iss": "https://idp.example", "sub": "x"});
        let jwt = jsonwebtoken::encode(&header, &claims, &EncodingKey::from_ec_der(&key.private_pkcs8))
            .unwrap_or_else(|e| panic!("{e}"));
        let jwk: serde_json::Value = serde_json::from_str(&key.public_jwk).unwrap_or_default();
        let decoding =
            DecodingKey::from_ec_components(jwk["x"].as_str().unwrap_or(""), jwk["y"].as_str().unwrap_or(""))
                .unwrap_or_else(|e| panic!("{e}"));
        let mut validation = Validation::new(Algorithm::ES256);
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
        assert!(jsonwebtoken::decode::<serde_json::Value>(&jwt, &decoding, &validation).is_ok());
        let other = generate_key(datetime!(2026-06-01 0:00 UTC)).unwrap_or_else(|e| panic!("{e}"));
        let other_jwk: serde_json::Value = serde_json::from_str(&other.public_jwk).unwrap_or_default();
        let wrong = DecodingKey::from_ec_components(
            other_jwk["x"].as_str().unwrap_or(""),
            other_jwk["y"].as_str().unwrap_or(""),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(jsonwebtoken::decode::<serde_json::Value>(&jwt, &wrong, &validation).is_err());
    }
}
