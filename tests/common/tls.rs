//! A test certificate authority made on the spot, and certificates it
//! signs (for 127.0.0.1, or a client's name), for TLS peers in tests.

use rcgen::{BasicConstraints, Certificate, CertificateParams, DnType, IsCa, KeyPair};

/// A CA, and certificates it signs.
pub struct Ca {
    /// Its certificate (what a peer trusts).
    pub cert: Certificate,
    key: KeyPair,
}

impl Ca {
    /// A fresh self-signed CA.
    pub fn new() -> Ca {
        orchestrator::plugins::install_crypto_provider();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let key = KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        Ca { cert, key }
    }

    /// A certificate for `names` with common name `cn`, and its key.
    pub fn sign(&self, names: &[&str], cn: &str) -> (Certificate, KeyPair) {
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        let mut params = CertificateParams::new(names).unwrap();
        params.distinguished_name.push(DnType::CommonName, cn);
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.cert, &self.key).unwrap();
        (cert, key)
    }

    /// The same, as PEM: (certificate, key).
    pub fn issue(&self, names: &[&str], cn: &str) -> (String, String) {
        let (cert, key) = self.sign(names, cn);
        (cert.pem(), key.serialize_pem())
    }
}

/// A CA's PEM, and a certificate for 127.0.0.1 it signed with its key.
pub struct TestCa {
    /// The CA certificate (what a client trusts), PEM.
    pub ca_pem: String,
    /// The server's certificate.
    pub cert: Certificate,
    /// The server's key.
    pub key: KeyPair,
}

/// A fresh CA and a server certificate for 127.0.0.1.
pub fn test_ca() -> TestCa {
    let ca = Ca::new();
    let (cert, key) = ca.sign(&["127.0.0.1"], "127.0.0.1");
    TestCa {
        ca_pem: ca.cert.pem(),
        cert,
        key,
    }
}
