//! The operator documentation keeps up with the code: every metric the
//! proxy exports is explained in README's "Operating it" table, and the
//! man page documents the ops options.

use std::path::Path;

fn repo_file(rel: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)).expect(rel)
}

#[test]
fn readme_explains_every_metric() {
    let readme = repo_file("README.md");
    let section = readme
        .split("## Operating it")
        .nth(1)
        .expect("README has an \"Operating it\" section");
    let stats = std::sync::Arc::new(tinyproxy_rs::counters::Stats::new());
    let scrape = tinyproxy_rs::ops::Ops::new(stats).metrics.encode();
    let families: Vec<&str> = scrape
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|l| l.split(' ').next())
        .collect();
    assert!(families.len() >= 20, "{scrape}");
    for name in families {
        let short = name.strip_prefix("tinyproxy_").expect("prefix");
        assert!(
            section.contains(&format!("`{short}")) || section.contains(&format!(" `{short}")),
            "README's Operating it does not explain {name}"
        );
    }
}

#[test]
fn man_page_documents_the_ops_options() {
    let man = repo_file("man/tinyproxy.8");
    for flag in [
        "\\-\\-admin",
        "\\-\\-access\\-log",
        "\\-\\-shutdown\\-delay",
    ] {
        assert!(man.contains(&format!(".BI {flag} ")), "{flag} has no entry");
    }
}
