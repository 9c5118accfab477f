//! `branding:` in tenant files: values checked with their line, the images
//! read from next to the file.

use super::*;
use crate::branding::ImageKind;

const SVG: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10" fill="#7a1f5c"/></svg>"##;
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

fn no_env(_: &str) -> Option<String> {
    None
}

/// A tenant file in its own directory with the given images beside it.
struct Dir(tempfile::TempDir);

impl Dir {
    fn new(files: &[(&str, &[u8])]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        for (name, bytes) in files {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, bytes).unwrap();
        }
        Self(dir)
    }

    fn parse(&self, branding: &str) -> Result<TenantSpec, ApplyError> {
        let text = format!("slug: acme\nname: Acme\nbranding:\n{branding}");
        let opts = ParseOptions {
            allow_plain_secrets: true,
            env: &no_env,
        };
        parse_str(&self.0.path().join("acme.yaml"), &text, &opts)
    }

    /// The error, with the directory's path cut to `DIR`.
    fn error(&self, branding: &str) -> String {
        let e = self
            .parse(branding)
            .expect_err("expected a refusal")
            .to_string();
        e.replace(&self.0.path().display().to_string(), "DIR")
    }
}

#[test]
fn branding_is_read_with_its_images() {
    let dir = Dir::new(&[("brand/logo.svg", SVG.as_bytes()), ("favicon.png", PNG)]);
    let spec = dir
        .parse(concat!(
            "  display_name: \" ACME Cloud \"\n",
            "  logo: brand/logo.svg\n",
            "  favicon: ./favicon.png\n",
            "  primary_color: \"#7A1F5C\"\n",
            "  support_url: mailto:help@acme.example\n",
            "  terms_url: https://acme.example/terms\n",
            "  privacy_url: https://acme.example/privacy\n",
        ))
        .unwrap();
    let b = &spec.branding;
    assert_eq!(b.display_name.as_deref(), Some("ACME Cloud"));
    assert_eq!(b.primary_color.unwrap().hex(), "#7a1f5c");
    assert_eq!(b.logo.as_ref().unwrap().kind, ImageKind::Svg);
    assert_eq!(b.favicon.as_ref().unwrap().kind, ImageKind::Png);
    assert_eq!(
        b.support_url.as_ref().unwrap().as_str(),
        "mailto:help@acme.example"
    );
    let kinds: Vec<ImageKind> = spec.images.iter().map(|i| i.kind).collect();
    assert_eq!(kinds, [ImageKind::Svg, ImageKind::Png]);
    assert_eq!(spec.images[0].bytes, SVG.as_bytes());
}

#[test]
fn without_branding_there_is_none() {
    let dir = Dir::new(&[]);
    let opts = ParseOptions {
        allow_plain_secrets: true,
        env: &no_env,
    };
    let spec = parse_str(
        &dir.0.path().join("acme.yaml"),
        "slug: acme\nname: Acme\n",
        &opts,
    )
    .unwrap();
    assert_eq!(spec.branding, Default::default());
    assert!(spec.images.is_empty());
}

#[test]
fn every_bad_value_is_refused_with_its_line() {
    let dir = Dir::new(&[
        ("logo.svg", SVG.as_bytes()),
        ("logo.png", SVG.as_bytes()),
        ("big.png", &[PNG, &vec![0u8; 256 * 1024][..]].concat()),
        ("page.svg", b"<html><body/></html>"),
    ]);
    let cases = [
        (
            "  colour: \"#000000\"\n",
            "DIR/acme.yaml:4: Unknown field `colour`, expected one of `display_name`, `logo`, `favicon`, `primary_color`, `support_url`, `terms_url`, or `privacy_url`",
        ),
        (
            "  primary_color: \"#ffcc00\"\n",
            "DIR/acme.yaml:4: primary_color \"#ffcc00\" is too light: white text on it has a contrast of 1.51:1 and it has 1.40:1 on the light page background; WCAG 2.1 AA needs 4.5:1 for both, so choose a darker colour",
        ),
        (
            "  primary_color: blue\n",
            "DIR/acme.yaml:4: primary_color \"blue\" is not a hex colour such as \"#1f5fbf\"",
        ),
        (
            "  logo: ../logo.svg\n",
            "DIR/acme.yaml:4: \"../logo.svg\": name a file next to the tenant file (a relative path without ..)",
        ),
        (
            "  logo: /etc/passwd\n",
            "DIR/acme.yaml:4: \"/etc/passwd\": name a file next to the tenant file (a relative path without ..)",
        ),
        (
            "  logo: missing.svg\n",
            "DIR/acme.yaml:4: cannot read DIR/missing.svg: No such file or directory (os error 2)",
        ),
        (
            "  logo: logo.png\n",
            "DIR/acme.yaml:4: logo.png holds an image of type SVG; name it *.svg",
        ),
        (
            "  logo: big.png\n",
            "DIR/acme.yaml:4: big.png is larger than the limit of 256 KiB",
        ),
        (
            "  logo: page.svg\n",
            "DIR/acme.yaml:4: page.svg is not a PNG, SVG or WebP image",
        ),
        (
            "  favicon: big.png\n",
            "DIR/acme.yaml:4: big.png is larger than the limit of 64 KiB",
        ),
        (
            "  terms_url: http://acme.example/terms\n",
            "DIR/acme.yaml:4: terms_url: \"http://acme.example/terms\": http is only allowed for loopback hosts; use https",
        ),
        (
            "  privacy_url: mailto:privacy@acme.example\n",
            "DIR/acme.yaml:4: privacy_url: \"mailto:privacy@acme.example\": use an https URL, not mailto:",
        ),
        (
            "  display_name: \"  \"\n",
            "DIR/acme.yaml:4: display_name is empty",
        ),
    ];
    for (branding, expected) in cases {
        let got = dir.error(branding);
        assert_eq!(got, expected, "{branding}");
    }
}

#[cfg(unix)]
#[test]
fn a_link_out_of_the_directory_and_a_non_file_are_refused() {
    let outside = Dir::new(&[("secret.svg", SVG.as_bytes())]);
    let dir = Dir::new(&[]);
    std::os::unix::fs::symlink(outside.0.path(), dir.0.path().join("brand")).unwrap();
    std::os::unix::fs::symlink(
        outside.0.path().join("secret.svg"),
        dir.0.path().join("logo.svg"),
    )
    .unwrap();
    for logo in ["brand/secret.svg", "logo.svg"] {
        assert_eq!(
            dir.error(&format!("  logo: {logo}\n")),
            format!(
                "DIR/acme.yaml:4: cannot read DIR/{logo}: it leads outside the tenant file's directory"
            )
        );
    }
    std::fs::create_dir(dir.0.path().join("folder.svg")).unwrap();
    assert_eq!(
        dir.error("  logo: folder.svg\n"),
        "DIR/acme.yaml:4: cannot read DIR/folder.svg: not a regular file"
    );
}

#[test]
fn client_links_must_be_web_urls() {
    let dir = Dir::new(&[]);
    let client = |links: &str| {
        format!(
            "slug: acme\nname: Acme\nclients:\n  - client_id: web\n    redirect_uris: [https://app.example/cb]\n    secret: a-long-enough-secret-value\n    grant_types: [authorization_code]\n{links}"
        )
    };
    let opts = ParseOptions {
        allow_plain_secrets: true,
        env: &no_env,
    };
    let file = dir.0.path().join("acme.yaml");
    let ok = client(
        "    client_uri: https://app.example/\n    logo_uri: https://cdn.app.example/logo.png\n    policy_uri: https://app.example/privacy\n    tos_uri: https://app.example/terms\n",
    );
    let spec = parse_str(&file, &ok, &opts).unwrap();
    let links = &spec.clients[&crate::oauth::ClientId::parse("web").unwrap()].links;
    assert_eq!(
        links.logo_uri.as_ref().unwrap().as_str(),
        "https://cdn.app.example/logo.png"
    );
    assert_eq!(
        links.tos_uri.as_ref().unwrap().as_str(),
        "https://app.example/terms"
    );
    let csp = client("    logo_uri: \"https://cdn.x;sandbox/l.png\"\n");
    let e = parse_str(&file, &csp, &opts).unwrap_err().to_string();
    assert_eq!(
        e,
        format!(
            "{}:8: client web: logo_uri \"https://cdn.x;sandbox/l.png\": the host must be a DNS name (letters, digits, dots, hyphens) or an IPv4 address",
            file.display()
        )
    );
    let csp = client("    logo_uri: \"https://cdn.x;sandbox/l.png\"\n");
    let e = parse_str(&file, &csp, &opts).unwrap_err().to_string();
    assert_eq!(
        e,
        format!(
            "{}:8: client web: logo_uri \"https://cdn.x;sandbox/l.png\": the host must be a DNS name (letters, digits, dots, hyphens) or an IPv4 address",
            file.display()
        )
    );
    let bad = client("    logo_uri: javascript:alert(1)\n");
    let e = parse_str(&file, &bad, &opts).unwrap_err().to_string();
    let expected = format!(
        "{}:8: client web: logo_uri \"javascript:alert(1)\": use an https URL, not javascript:",
        file.display()
    );
    assert_eq!(e, expected);
}
