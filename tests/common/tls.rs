//! A test certificate authority made on the spot, and a certificate for
//! 127.0.0.1 it signed, for TLS peers in tests.

use rcgen::{BasicConstraints, Certificate, CertificateParams, IsCa, KeyPair};

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
    orchestrator::plugins::install_crypto_provider();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_key = KeyPair::generate().unwrap();
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let key = KeyPair::generate().unwrap();
    let cert = CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .unwrap()
        .signed_by(&key, &ca, &ca_key)
        .unwrap();
    TestCa {
        ca_pem: ca.pem(),
        cert,
        key,
    }
}
