//! The harness itself: a cluster starts quickly, takes SQL, authenticates login roles by
//! password over TCP, isolates databases, and leaves nothing behind.

use std::net::TcpStream;
use std::time::{Duration, Instant};

use switchboard_test_postgres::{Error, TestCluster};

#[test]
fn runs_sql_as_the_superuser_and_reports_errors() {
    let started = Instant::now();
    let cluster = TestCluster::start().expect("cluster starts");
    eprintln!("cluster started in {:?}", started.elapsed());
    let admin = cluster.admin_url();
    let password = admin
        .split_once("://")
        .and_then(|(_, rest)| rest.split_once('@'))
        .and_then(|(userinfo, _)| userinfo.split_once(':'))
        .map(|(_, password)| password)
        .expect("the admin URL has a password");
    assert!(
        !format!("{cluster:?}").contains(password),
        "Debug redacts the password"
    );

    assert_eq!(
        cluster
            .psql(&admin, "SELECT 1 + 1; SELECT 'a', 'b'")
            .expect("queries"),
        "2\na|b"
    );
    assert_eq!(
        cluster
            .psql(
                &admin,
                "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
            )
            .expect("query"),
        "t"
    );
    match cluster.psql(&admin, "SELECT 1; SELECT no_such_column; SELECT 3") {
        Err(Error::Psql { stderr, .. }) => assert!(stderr.contains("no_such_column"), "{stderr}"),
        other => panic!("expected a psql error, got {other:?}"),
    }
    assert_eq!(
        cluster
            .psql_tagged(
                &admin,
                "CREATE TABLE t (x int); INSERT INTO t VALUES (1), (2); \
                 UPDATE t SET x = 3 WHERE false; SELECT count(*) FROM t",
            )
            .expect("statements"),
        "CREATE TABLE\nINSERT 0 2\nUPDATE 0\n2"
    );
}

#[test]
fn login_roles_authenticate_with_their_password_over_tcp() {
    let cluster = TestCluster::start().expect("cluster starts");
    let role = cluster.role_name("harness_login");
    // A password that needs percent-encoding in the URL.
    let password = "p@ss:w/rd?#%";
    cluster
        .psql(
            &cluster.admin_url(),
            &format!("CREATE ROLE \"{role}\" LOGIN PASSWORD '{password}'"),
        )
        .expect("create role");

    assert_eq!(
        cluster
            .psql(&cluster.url_for(&role, password), "SELECT session_user")
            .expect("log in"),
        role
    );
    match cluster.psql(&cluster.url_for(&role, "wrong"), "SELECT 1") {
        Err(Error::Psql { stderr, .. }) => {
            assert!(
                stderr.contains("password authentication failed"),
                "{stderr}"
            );
        }
        other => panic!("a wrong password must be refused, got {other:?}"),
    }
}

#[test]
fn created_databases_are_separate() {
    let cluster = TestCluster::start().expect("cluster starts");
    let other = cluster.create_database("other").expect("create database");
    cluster
        .psql(&cluster.admin_url(), "CREATE TABLE only_here (x int)")
        .expect("create table");

    assert_eq!(
        cluster
            .psql(
                &other,
                "SELECT count(*) FROM pg_class WHERE relname = 'only_here'"
            )
            .expect("query"),
        "0"
    );
    assert_ne!(
        cluster
            .psql(&other, "SELECT current_database()")
            .expect("query"),
        cluster
            .psql(&cluster.admin_url(), "SELECT current_database()")
            .expect("query"),
    );
}

#[test]
fn a_local_cluster_is_stopped_and_deleted_on_drop() {
    let cluster = TestCluster::start_local().expect("cluster starts");
    let dir = cluster
        .data_dir()
        .expect("a local cluster has a directory")
        .to_owned();
    let port = cluster
        .psql(&cluster.admin_url(), "SHOW port")
        .expect("query")
        .parse::<u16>()
        .expect("a port number");
    assert!(dir.join("data/PG_VERSION").is_file());

    drop(cluster);

    assert!(!dir.exists(), "{} was deleted", dir.display());
    let address = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    assert!(
        TcpStream::connect_timeout(&address, Duration::from_millis(500)).is_err(),
        "nothing listens on port {port} any more"
    );
}

#[test]
fn a_local_cluster_listens_on_loopback_only() {
    let cluster = TestCluster::start_local().expect("cluster starts");
    let admin = cluster.admin_url();
    assert_eq!(
        cluster
            .psql(&admin, "SHOW listen_addresses")
            .expect("query"),
        "127.0.0.1"
    );
    assert_eq!(cluster.psql(&admin, "SHOW fsync").expect("query"), "off");
}
