use super::*;
use Reason::{SameDomain, SameName, SimilarName};
use proptest::prelude::*;

/// A prospect as typed into the form: a company name and, perhaps, a website or email address.
type Typed = (&'static str, Option<&'static str>);

fn name(name: &'static str) -> Typed {
    (name, None)
}

fn site(name: &'static str, site: &'static str) -> Typed {
    (name, Some(site))
}

/// Pairs of prospects and the verdict a channel manager would expect.
fn verdicts() -> Vec<(Typed, Typed, Option<Reason>)> {
    vec![
        // The same company under another legal form or spelling.
        (name("ACME Corp."), name("Acme Corporation"), Some(SameName)),
        (name("The Globex Company"), name("Globex"), Some(SameName)),
        (name("Müller GmbH"), name("Muller AG"), Some(SameName)),
        (name("Straße Bau GmbH"), name("Strasse Bau"), Some(SameName)),
        (name("Ørsted A/S"), name("Orsted"), Some(SameName)),
        (
            name("Nippon Kogaku K.K."),
            name("Nippon Kogaku"),
            Some(SameName),
        ),
        (
            name("Société Générale S.A."),
            name("Societe Generale"),
            Some(SameName),
        ),
        (
            name("Johnson & Johnson"),
            name("Johnson and Johnson"),
            Some(SameName),
        ),
        (name("Siemens AG"), name("Siemens SE"), Some(SameName)),
        (
            name("Robert Bosch GmbH & Co. KG"),
            name("Robert Bosch"),
            Some(SameName),
        ),
        (
            name("Lidl Stiftung & Co. KG"),
            name("Lidl Stiftung"),
            Some(SameName),
        ),
        (
            name("Atlassian Pty Ltd"),
            name("Atlassian Pty. Ltd."),
            Some(SameName),
        ),
        (
            name("Grab Holdings Pte. Ltd."),
            name("Grab"),
            Some(SameName),
        ),
        (name("Petronas Sdn. Bhd."), name("Petronas"), Some(SameName)),
        (
            name("Natura Cosméticos Ltda."),
            name("Natura Cosmeticos"),
            Some(SameName),
        ),
        (name("Inditex S.L."), name("Inditex SL"), Some(SameName)),
        (
            name("Richter Gedeon Zrt."),
            name("Richter Gedeon"),
            Some(SameName),
        ),
        (
            name("Magyar Telekom Kft"),
            name("Magyar Telekom"),
            Some(SameName),
        ),
        (name("Comarch Sp. z o.o."), name("Comarch"), Some(SameName)),
        (name("Škoda Auto a.s."), name("Skoda Auto"), Some(SameName)),
        (
            name("Česká spořitelna, a.s."),
            name("Ceska Sporitelna"),
            Some(SameName),
        ),
        (name("Nokia Oyj"), name("Nokia Oy"), Some(SameName)),
        (name("Volvo AB"), name("Volvo"), Some(SameName)),
        (name("Equinor ASA"), name("Equinor"), Some(SameName)),
        (name("Philips N.V."), name("Philips NV"), Some(SameName)),
        (name("Heineken B.V."), name("Heineken"), Some(SameName)),
        (
            name("Luxottica S.p.A."),
            name("Luxottica SpA"),
            Some(SameName),
        ),
        (
            name("Michelin S.A.R.L."),
            name("Michelin SARL"),
            Some(SameName),
        ),
        (name("Carrefour SAS"), name("Carrefour"), Some(SameName)),
        (name("Vale S. A."), name("Vale"), Some(SameName)),
        (name("Tesco PLC"), name("Tesco Plc."), Some(SameName)),
        (name("Deloitte LLP"), name("Deloitte"), Some(SameName)),
        (name("Smith & Co."), name("Smith"), Some(SameName)),
        (
            name("McDonald's Corporation"),
            name("McDonalds"),
            Some(SameName),
        ),
        (
            name("Coca-Cola Company"),
            name("The Coca Cola Co"),
            Some(SameName),
        ),
        (name("L'Oréal S.A."), name("LOreal"), Some(SameName)),
        (name("AT&T Inc."), name("AT and T"), Some(SameName)),
        (
            name("Ernst & Young"),
            name("Ernst and Young LLP"),
            Some(SameName),
        ),
        (
            name("Zürich Versicherung AG"),
            name("Zurich Versicherung"),
            Some(SameName),
        ),
        (
            name("Daimler Truck Holding AG"),
            name("Daimler Truck"),
            Some(SameName),
        ),
        (
            name("Berkshire Hathaway Inc."),
            name("Berkshire Hathaway Holdings"),
            Some(SameName),
        ),
        (
            name("The Limited"),
            name("The Limited Inc."),
            Some(SameName),
        ),
        // Typos, and words split or joined.
        (name("Initech Inc"), name("Inittech"), Some(SimilarName)),
        (
            name("Deutsche Telekom AG"),
            name("Deutche Telekom"),
            Some(SimilarName),
        ),
        (
            name("Globex Corporation"),
            name("Globx Corp"),
            Some(SimilarName),
        ),
        (name("Accenture"), name("Acenture"), Some(SimilarName)),
        (
            name("Umbrella Corp"),
            name("Umbrela Corporation"),
            Some(SimilarName),
        ),
        (
            name("Hewlett Packard"),
            name("Hewlet Packard"),
            Some(SimilarName),
        ),
        (
            name("Hewlett-Packard"),
            name("HewlettPackard Inc"),
            Some(SimilarName),
        ),
        (
            name("Massachusetts Mutual"),
            name("Massachusets Mutual"),
            Some(SimilarName),
        ),
        (
            name("Schlumberger"),
            name("Schlumberjer"),
            Some(SimilarName),
        ),
        (
            name("Wayne Enterprises"),
            name("Wayne Enterprise"),
            Some(SimilarName),
        ),
        (name("Coca Cola"), name("CocaCola"), Some(SimilarName)),
        // One registrable domain, however it was typed.
        (
            site("Acme UK", "www.acme.co.uk"),
            site("ACME Online Store", "shop.acme.co.uk"),
            Some(SameDomain),
        ),
        (
            site("Woolworths", "https://www.woolworths.com.au/shop?x=1"),
            site("Woolies Group", "online.woolworths.com.au"),
            Some(SameDomain),
        ),
        (
            site("Rakuten", "http://global.rakuten.co.jp:8080/path"),
            site("楽天株式会社", "rakuten.co.jp"),
            Some(SameDomain),
        ),
        (
            site("Acme Handel", "bob@sales.acme.de"),
            site("Acme Vertrieb", "ACME.DE."),
            Some(SameDomain),
        ),
        (
            site("Initrode", "HTTPS://WWW.INITRODE.COM"),
            site("Initrode Global", "initrode.com"),
            Some(SameDomain),
        ),
        (
            site(
                "Vandelay",
                "https://art:pw@portal.vandelay.org:443/a/b?c=d#e",
            ),
            site("Kramerica", "vandelay.org"),
            Some(SameDomain),
        ),
        (
            site("Münchener Rück", "https://www.münchen.de/"),
            site("Munich Re", "xn--mnchen-3ya.de"),
            Some(SameDomain),
        ),
        // Other domains decide nothing: one company may have several.
        (
            site("Acme", "acme.com"),
            site("ACME Ltd", "acme.de"),
            Some(SameName),
        ),
        (
            site("Alpha", "alpha.co.uk"),
            site("Beta", "beta.co.uk"),
            None,
        ),
        (
            site("Foo Labs", "foo.github.io"),
            site("Bar Labs", "bar.github.io"),
            None,
        ),
        (
            site("Gamma", "192.168.1.10"),
            site("Delta", "192.168.1.10"),
            None,
        ),
        // Different companies.
        (name("Acme"), name("Acmet Logistics"), None),
        (name("Acme"), name("Acme Systems"), None),
        (name("Nestlé S.A."), name("Nestle Waters"), None),
        // A shared brand word with a different business word: the domain finds the same group.
        (name("Acme Logistics"), name("Acme Robotics"), None),
        (name("First National Bank"), name("First Data Corp"), None),
        (name("General Motors"), name("General Electric"), None),
        (name("Bank of America"), name("Bank of Japan"), None),
        (name("Apple Inc."), name("Applied Materials Inc."), None),
        (name("Meta Platforms"), name("Metro AG"), None),
        (name("Siemens"), name("Simmons"), None),
        (name("IBM"), name("IBN"), None),
        (name("Hotel 21"), name("Hotel 22"), None),
        (name("Limited"), name("Inc"), None),
    ]
}

struct Prospect {
    name: String,
    domain: Option<String>,
}

impl Prospect {
    fn typed((name, site): Typed) -> Prospect {
        Prospect {
            name: normalise_company(name),
            domain: site.and_then(registrable_domain),
        }
    }

    fn subject(&self) -> Subject<'_> {
        Subject {
            name: &self.name,
            domain: self.domain.as_deref(),
        }
    }
}

#[test]
fn each_pair_gets_the_verdict_a_channel_manager_expects() {
    let mut wrong = Vec::new();
    for (a, b, expected) in verdicts() {
        let (pa, pb) = (Prospect::typed(a), Prospect::typed(b));
        let verdict = compare(&pa.subject(), &pb.subject());
        let score = name_similarity(&pa.name, &pb.name);
        if verdict.as_ref().map(|m| m.reason) != expected {
            wrong.push(format!(
                "{a:?} ~ {b:?}: {verdict:?}, expected {expected:?} (similarity {score:.3})"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_table_holds_enough_pairs() {
    assert!(verdicts().len() >= 60);
}

#[test]
fn each_matching_pair_shares_a_blocking_key() {
    for (a, b, _) in verdicts() {
        let (pa, pb) = (Prospect::typed(a), Prospect::typed(b));
        if compare(&pa.subject(), &pb.subject()).is_some() {
            let keys_b = blocking_keys(&pb.subject());
            assert!(
                blocking_keys(&pa.subject())
                    .iter()
                    .any(|k| keys_b.contains(k)),
                "{a:?} ~ {b:?} share no key"
            );
        }
    }
}

#[test]
fn the_verdict_is_the_same_both_ways() {
    for (a, b, _) in verdicts() {
        let (pa, pb) = (Prospect::typed(a), Prospect::typed(b));
        assert_eq!(
            compare(&pa.subject(), &pb.subject()),
            compare(&pb.subject(), &pa.subject())
        );
    }
}

#[test]
fn a_same_domain_or_name_scores_one_and_a_similar_name_at_least_the_threshold() {
    for (a, b, _) in verdicts() {
        let (pa, pb) = (Prospect::typed(a), Prospect::typed(b));
        match compare(&pa.subject(), &pb.subject()) {
            Some(Match {
                reason: SimilarName,
                score,
            }) => assert!((SIMILAR_AT..=1.0).contains(&score)),
            Some(Match { score, .. }) => assert_eq!(score, 1.0),
            None => {}
        }
    }
}

#[test]
fn names_lose_punctuation_articles_and_legal_forms() {
    for (typed, normalised) in [
        ("  The  ACME,  Corp. ", "acme"),
        ("Procter & Gamble", "procter and gamble"),
        ("Robert Bosch GmbH & Co. KG", "robert bosch"),
        ("Coca-Cola", "coca cola"),
        ("Limited", "limited"),
        ("The Limited Inc.", "limited"),
        ("The", "the"),
        ("the the Acme", "acme"),
        ("Inc. Ltd.", "inc"),
        ("Straße", "strasse"),
        ("", ""),
        ("!!!", ""),
    ] {
        assert_eq!(normalise_company(typed), normalised, "{typed:?}");
    }
}

#[test]
fn a_registrable_domain_is_found_in_urls_hosts_and_email_addresses() {
    for (typed, domain) in [
        ("www.acme.co.uk", Some("acme.co.uk")),
        ("shop.acme.co.uk", Some("acme.co.uk")),
        ("bob@sales.acme.de", Some("acme.de")),
        ("mailto:bob@acme.de", Some("acme.de")),
        (
            "https://user:pw@Shop.ACME.com.au:8443/x?y=1#z",
            Some("acme.com.au"),
        ),
        ("a.b.acme.co.jp", Some("acme.co.jp")),
        ("acme.com:8080", Some("acme.com")),
        ("ACME.COM.", Some("acme.com")),
        ("  acme.com  ", Some("acme.com")),
        ("münchen.de", Some("xn--mnchen-3ya.de")),
        ("foo.github.io", Some("foo.github.io")),
        ("co.uk", None),
        ("com", None),
        ("", None),
        ("192.168.0.1", None),
        ("http://[::1]:80/", None),
        ("localhost", None),
        ("acme.invalid", None),
        ("not a domain", None),
        ("https://", None),
        ("@", None),
        ("...", None),
    ] {
        assert_eq!(registrable_domain(typed).as_deref(), domain, "{typed:?}");
    }
}

#[test]
fn blocking_keys_are_few_and_fit_the_index() {
    let long = "x".repeat(300);
    let domain = format!("{long}.com");
    for subject in [
        Subject {
            name: "acme",
            domain: Some("acme.co.uk"),
        },
        Subject {
            name: &long,
            domain: Some(&domain),
        },
        Subject {
            name: "ääääääääääääääääääääääääääääääääääääääääää",
            domain: None,
        },
        Subject {
            name: "",
            domain: None,
        },
    ] {
        let keys = blocking_keys(&subject);
        assert!(keys.len() <= 4, "{keys:?}");
        assert!(keys.iter().all(|k| k.len() <= 64), "{keys:?}");
    }
}

#[test]
fn a_subject_without_name_or_domain_has_no_keys_and_matches_nothing() {
    let empty = Subject {
        name: "",
        domain: None,
    };
    assert!(blocking_keys(&empty).is_empty());
    assert_eq!(compare(&empty, &empty), None);
}

proptest! {
    #[test]
    fn normalising_twice_changes_nothing(name in any::<String>()) {
        let once = normalise_company(&name);
        prop_assert_eq!(normalise_company(&once), once.clone());
        prop_assert_eq!(once.trim(), once.as_str());
    }

    #[test]
    fn normalising_printable_text_twice_changes_nothing(name in "\\PC*") {
        let once = normalise_company(&name);
        prop_assert_eq!(normalise_company(&once), once);
    }

    #[test]
    fn domains_and_keys_never_panic(input in any::<String>(), other in "\\PC*") {
        let _ = registrable_domain(&input);
        let _ = registrable_domain(&other);
        let keys = blocking_keys(&Subject { name: &input, domain: Some(&other) });
        prop_assert!(keys.len() <= 4 && keys.iter().all(|k| k.len() <= 64));
    }

    #[test]
    fn a_match_always_shares_a_blocking_key(a in "[a-e ]{0,12}", b in "[a-e ]{0,12}") {
        let (sa, sb) = (Subject { name: &a, domain: None }, Subject { name: &b, domain: None });
        if compare(&sa, &sb).is_some() {
            let keys_b = blocking_keys(&sb);
            prop_assert!(blocking_keys(&sa).iter().any(|k| keys_b.contains(k)));
        }
    }
}
