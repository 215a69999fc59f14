//! TLS against a real PostgreSQL serving a certificate signed by a CA this test makes (with
//! the `openssl` command): `verify-full` without that CA is refused with a message naming
//! the certificate problem and what to do; with `sslrootcert` it connects, encrypted.
//! Unix only, like the throwaway clusters it starts (it hands the key to the server's user).
#![cfg(unix)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use switchboard_core::Error;
use switchboard_postgres::{ConnectSettings, TlsMode};
use switchboard_test_postgres::TestCluster;

/// Runs `openssl` with `args` in `dir`.
fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("the openssl command runs");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA (`ca.pem`) and a server certificate it signed for `localhost` and 127.0.0.1
/// (`server.pem`, `server.key`), in `dir`.
fn make_certificates(dir: &Path) {
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"];
    openssl(
        dir,
        &[
            &["req", "-x509", "-nodes", "-days", "2"][..],
            &ec,
            &[
                "-keyout",
                "ca.key",
                "-out",
                "ca.pem",
                "-subj",
                "/CN=Switchboard test CA",
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign",
            ],
        ]
        .concat(),
    );
    openssl(
        dir,
        &[
            &["req", "-nodes"][..],
            &ec,
            &[
                "-keyout",
                "server.key",
                "-out",
                "server.csr",
                "-subj",
                "/CN=localhost",
            ],
        ]
        .concat(),
    );
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n\
         keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
    )
    .expect("write the extensions");
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            "server.ext",
            "-out",
            "server.pem",
        ],
    );
}

/// A local cluster serving TLS with the certificate of [`make_certificates`]; returns the
/// cluster and the directory holding `ca.pem`.
fn cluster_with_tls() -> (TestCluster, tempfile::TempDir) {
    let cluster = TestCluster::start_local().expect("cluster starts");
    let certs = tempfile::tempdir().expect("temp dir");
    make_certificates(certs.path());
    // The server reads its key only when the server's user owns it and no one else can.
    let cluster_dir = cluster.data_dir().expect("a local cluster");
    let owner = std::os::unix::fs::MetadataExt::uid(
        &std::fs::metadata(cluster_dir).expect("cluster directory"),
    );
    let group = std::os::unix::fs::MetadataExt::gid(
        &std::fs::metadata(cluster_dir).expect("cluster directory"),
    );
    let mut installed = Vec::new();
    for (name, mode) in [("server.pem", 0o644), ("server.key", 0o600)] {
        let to: PathBuf = cluster_dir.join(name);
        std::fs::copy(certs.path().join(name), &to).expect("copy into the cluster");
        std::os::unix::fs::chown(&to, Some(owner), Some(group)).expect("chown");
        std::fs::set_permissions(&to, std::os::unix::fs::PermissionsExt::from_mode(mode))
            .expect("chmod");
        installed.push(to.display().to_string().replace('\'', "''"));
    }
    let admin = cluster.admin_url();
    cluster
        .psql(
            &admin,
            &format!(
                "ALTER SYSTEM SET ssl_cert_file = '{}';
                 ALTER SYSTEM SET ssl_key_file = '{}';
                 ALTER SYSTEM SET ssl = on;
                 SELECT pg_reload_conf();",
                installed[0], installed[1]
            ),
        )
        .expect("turn TLS on");
    // The reload reaches new connections once the postmaster has read the file again.
    for _ in 0..100 {
        if cluster.psql(&admin, "SHOW ssl").expect("SHOW ssl") == "on" {
            return (cluster, certs);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("the server did not turn TLS on");
}

fn settings(url: &str) -> ConnectSettings {
    ConnectSettings::from_url(url)
        .expect("a valid URL")
        .with_timeout(Duration::from_secs(5))
}

#[tokio::test]
async fn verify_full_checks_the_certificate_and_names_what_to_do() {
    let (cluster, certs) = cluster_with_tls();
    let admin = cluster.admin_url();
    assert!(!admin.contains('?'), "{admin}");

    // Without the CA: the certificate is refused, and nothing is sent.
    let err = settings(&format!("{admin}?sslmode=verify-full"))
        .connect_one()
        .await
        .expect_err("a certificate of an unknown CA");
    let message = err.to_string();
    assert!(matches!(err, Error::Remote(_)), "{err:?}");
    assert!(message.contains("certificate"), "{message}");
    assert!(message.contains("could not be verified"), "{message}");
    assert!(
        message.contains("unknown certificate authority"),
        "{message}"
    );
    assert!(message.contains("sslrootcert="), "{message}");
    assert!(message.contains("sslmode=require explicitly"), "{message}");
    assert!(
        !message.contains(&admin),
        "the URL holds a password: {message}"
    );

    // With the CA: connected, over TLS.
    let ca = certs.path().join("ca.pem");
    let mut conn = settings(&format!(
        "{admin}?sslmode=verify-full&sslrootcert={}",
        ca.display()
    ))
    .connect_one()
    .await
    .expect("the CA vouches for the certificate");
    let encrypted: bool =
        sqlx::query_scalar("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
            .fetch_one(&mut conn)
            .await
            .expect("pg_stat_ssl");
    assert!(encrypted);

    // A saved profile's parts with its CA file (what the app connects with).
    let parsed = url::Url::parse(&admin).expect("admin URL");
    let parts = || {
        ConnectSettings::from_parts(
            "127.0.0.1",
            parsed.port().expect("port"),
            "postgres",
            parsed.username(),
            TlsMode::VerifyFull,
        )
        .expect("valid parts")
        .with_password(parsed.password().expect("password"))
        .with_timeout(Duration::from_secs(5))
    };
    let err = parts().connect_one().await.expect_err("no CA file");
    assert!(
        err.to_string().contains("unknown certificate authority"),
        "{err}"
    );
    parts()
        .with_root_cert(&ca.display().to_string())
        .expect("a readable CA file")
        .connect_one()
        .await
        .expect("the profile's CA file vouches for the certificate");

    // `require` connects without checking: allowed, and warned about for a remote server
    // (unit-tested on the settings, as this server is on this machine).
    settings(&format!("{admin}?sslmode=require"))
        .connect_one()
        .await
        .expect("require does not check the certificate");
}
