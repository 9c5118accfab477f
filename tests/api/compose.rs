//! docker-compose.yml and the Dockerfile, checked without a Docker engine
//! against what Gatehouse knows: the gatehouse service's environment, on top
//! of the image's, is a configuration the real binary loads (an unknown
//! `GATEHOUSE_*` key stops it); published ports are on 127.0.0.1 and meet the
//! ports the server binds and names; the mounted paths are the ones the
//! image's config file resolves to; every secret and service named exists.
//! scripts/test.sh also validates the compose file against the Compose
//! specification's JSON schema (scripts/check_compose.py) and lints the
//! Dockerfile with hadolint.

use serde_yaml::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_gatehouse");

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn compose() -> Value {
    let text = std::fs::read_to_string(root().join("docker-compose.yml")).unwrap();
    serde_yaml::from_str(&text).unwrap()
}

/// What Compose makes of `${VAR:-default}` when VAR is unset.
fn with_defaults(s: &str) -> String {
    let (mut out, mut rest) = (String::new(), s);
    while let Some(i) = rest.find("${") {
        out.push_str(&rest[..i]);
        let end = i + rest[i..].find('}').unwrap();
        let (_, default) = rest[i + 2..end]
            .split_once(":-")
            .unwrap_or_else(|| panic!("{s}: a variable without a default"));
        out.push_str(default);
        rest = &rest[end + 1..];
    }
    out + rest
}

/// The instructions of the Dockerfile stage `stage` (`FROM … AS stage` up to
/// the next `FROM`), continuation lines joined, comments dropped.
fn dockerfile_stage(stage: &str) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(root().join("Dockerfile")).unwrap();
    let joined = text.replace("\\\n", " ");
    let mut inside = false;
    let mut out = Vec::new();
    for line in joined.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (word, args) = line.split_once(' ').unwrap_or((line, ""));
        if word == "FROM" {
            inside = args.ends_with(&format!(" AS {stage}"));
            continue;
        }
        if inside {
            out.push((word.to_owned(), args.trim().to_owned()));
        }
    }
    assert!(!out.is_empty(), "no stage {stage} in the Dockerfile");
    out
}

fn instruction<'a>(stage: &'a [(String, String)], word: &str) -> Vec<&'a str> {
    stage
        .iter()
        .filter(|(w, _)| w == word)
        .map(|(_, a)| a.as_str())
        .collect()
}

fn json_words(args: &str) -> Vec<String> {
    serde_json::from_str(args).unwrap_or_else(|e| panic!("{args}: not a JSON array: {e}"))
}

fn str_of(v: &Value) -> &str {
    v.as_str()
        .unwrap_or_else(|| panic!("{v:?} is not a string"))
}

/// Each `/run/secrets/NAME` the service mounts → the file Compose takes it from.
fn secret_files(c: &Value, service: &Value) -> BTreeMap<String, PathBuf> {
    service["secrets"]
        .as_sequence()
        .into_iter()
        .flatten()
        .map(|name| {
            let name = str_of(name);
            let file = &c["secrets"][name]["file"];
            assert!(
                file.is_string(),
                "secret {name} is not declared with a file"
            );
            let path = root().join(with_defaults(str_of(file)));
            assert!(
                path.is_file(),
                "secret {name}: {} is missing",
                path.display()
            );
            (format!("/run/secrets/{name}"), path)
        })
        .collect()
}

/// The image's `ENV` and the service's `environment`, secrets mapped to the
/// repository's files, as the container's process sees them.
fn container_env(c: &Value) -> BTreeMap<String, String> {
    let stage = dockerfile_stage("gatehouse");
    let mut env = BTreeMap::new();
    for args in instruction(&stage, "ENV") {
        let (k, v) = args.split_once('=').unwrap();
        env.insert(k.to_owned(), v.to_owned());
    }
    let service = &c["services"]["gatehouse"];
    let secrets = secret_files(c, service);
    for (k, v) in service["environment"].as_mapping().unwrap() {
        let v = with_defaults(str_of(v));
        let v = secrets.get(&v).map_or(v, |path| path.display().to_string());
        env.insert(str_of(k).to_owned(), v);
    }
    env
}

/// `gatehouse check-config` as the image's entrypoint runs it, with `env`
/// only (the image's config file is the repository's).
fn check_config(env: &BTreeMap<String, String>) -> std::process::Output {
    let stage = dockerfile_stage("gatehouse");
    let copy = instruction(&stage, "COPY")
        .into_iter()
        .find(|a| a.starts_with("config/"))
        .expect("the image copies the config file")
        .to_owned();
    let (from, to) = copy.split_once(' ').unwrap();
    let entry = json_words(instruction(&stage, "ENTRYPOINT")[0]);
    assert_eq!(entry[..3], ["gatehouse", "--config", to], "{entry:?}");
    let dir = tempfile::tempdir().unwrap();
    Command::new(BIN)
        .current_dir(dir.path())
        .env_clear()
        .envs(env)
        .args(["--config", &root().join(from).display().to_string()])
        .arg("check-config")
        .output()
        .unwrap()
}

#[test]
fn the_gatehouse_service_environment_is_a_configuration_gatehouse_loads() {
    let c = compose();
    let env = container_env(&c);
    assert!(
        env.keys().all(|k| k.starts_with("GATEHOUSE_")),
        "only Gatehouse settings: {env:?}"
    );
    let out = check_config(&env);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("bind: 0.0.0.0:8080\n"), "{text}");
    assert!(
        text.contains("public_url: http://127.0.0.1:8080\n"),
        "{text}"
    );
    assert!(
        text.contains("url: postgres://gatehouse:REDACTED@postgres:5432/gatehouse\n"),
        "the password file reached the URL: {text}"
    );
    assert!(!text.contains("gatehouse-demo-db-password"), "{text}");

    // The check can fail: a misspelt key stops the binary.
    let mut wrong = env.clone();
    wrong.insert("GATEHOUSE_SERVER__PUBLIC_ULR".into(), "x".into());
    let out = check_config(&wrong);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("key `server.public_ulr`"), "{err}");
}

#[test]
fn ports_services_and_mounts_line_up_with_the_image() {
    let c = compose();
    let services = c["services"].as_mapping().unwrap();
    for (name, service) in services {
        for port in service["ports"].as_sequence().into_iter().flatten() {
            assert!(
                str_of(port).starts_with("127.0.0.1:"),
                "{name:?} publishes {port:?} beyond this machine"
            );
        }
        let depends = service["depends_on"].as_mapping().into_iter().flatten();
        for (other, _) in depends {
            assert!(
                services.contains_key(other),
                "{name:?} depends on {other:?}"
            );
        }
    }
    let env = container_env(&c);
    let bind_port = env["GATEHOUSE_SERVER__BIND"].rsplit(':').next().unwrap();
    let public_port = env["GATEHOUSE_SERVER__PUBLIC_URL"]
        .rsplit(':')
        .next()
        .unwrap();
    let gatehouse = &c["services"]["gatehouse"];
    assert_eq!(
        gatehouse["ports"][0].as_str(),
        Some(format!("127.0.0.1:{public_port}:{bind_port}").as_str()),
        "the public URL's port is published to the port the server binds"
    );
    let db = url::Url::parse(&env["GATEHOUSE_DATABASE__URL"]).unwrap();
    assert!(
        services.contains_key(db.host_str().unwrap()),
        "the database host is a service: {db}"
    );
    // Mail goes to the mail sink's SMTP port, and its web UI is published.
    assert_eq!(env["GATEHOUSE_MAIL__TRANSPORT"], "smtp");
    let smtp = url::Url::parse(&env["GATEHOUSE_MAIL__SMTP__URL"]).unwrap();
    assert_eq!(
        (smtp.host_str(), smtp.port()),
        (Some("mailpit"), Some(1025))
    );
    let mailpit = &c["services"]["mailpit"];
    assert_eq!(str_of(&mailpit["image"]), "axllent/mailpit:v1.21");
    assert_eq!(mailpit["ports"][0].as_str(), Some("127.0.0.1:8025:8025"));
    assert!(
        gatehouse["depends_on"]["mailpit"].is_mapping(),
        "gatehouse starts after the mail sink"
    );

    let stage = dockerfile_stage("gatehouse");
    assert_eq!(instruction(&stage, "EXPOSE"), [bind_port]);
    let health = instruction(&stage, "HEALTHCHECK")[0];
    assert!(
        health.ends_with(&format!("\"http://127.0.0.1:{bind_port}/readyz\"]")),
        "{health}"
    );
    // The image's config file sits in /srv/gatehouse/config: its relative
    // tenants and data paths name the directories the service mounts.
    let config: Value = serde_yaml::from_str(
        &std::fs::read_to_string(root().join("config/gatehouse.yaml")).unwrap(),
    )
    .unwrap();
    let in_image = |relative: &str| normalize(&Path::new("/srv/gatehouse/config").join(relative));
    let tenants = in_image(str_of(&config["tenants"]["dir"]));
    let data = in_image(
        str_of(&config["database"]["url"])
            .strip_prefix("sqlite://")
            .unwrap(),
    );
    let mounts: Vec<String> = gatehouse["volumes"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|v| str_of(v).split(':').nth(1).unwrap().to_owned())
        .collect();
    assert!(
        mounts.contains(&tenants.display().to_string()),
        "{tenants:?} in {mounts:?}"
    );
    let data_dir = data.parent().unwrap().display().to_string();
    assert!(mounts.contains(&data_dir), "{data_dir} in {mounts:?}");
    assert_eq!(
        instruction(&stage, "VOLUME"),
        [format!("[\"{data_dir}\"]").as_str()]
    );
}

/// `a/b/../c` → `a/c`.
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in p.components() {
        match part {
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}
