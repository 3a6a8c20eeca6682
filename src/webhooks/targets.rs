//! Where callbacks may go.
//!
//! A callback URL comes from a client (`deliveryReportUrl`) or a fixture,
//! and the emulator shows what the receiver answered, so an unchecked URL
//! would let anyone who can send make the emulator call, and read, any
//! host it can reach. By default every target is allowed but link-local
//! addresses (169.254.0.0/16 and fe80::/10, where cloud metadata services
//! answer), AWS's IPv6 metadata address, and the metadata services' names.
//! With `--callback-allow`, only the listed hosts, addresses and networks
//! are. The addresses are checked as an attempt connects — a name is
//! resolved, its refused addresses dropped ([`CheckedResolver`]) — so a
//! name cannot be pointed at a refused address after the check; an address
//! written in the URL is checked before the attempt. Redirects are never
//! followed.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::str::FromStr;
use std::sync::Arc;

use ipnet::IpNet;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Names of cloud metadata services.
const METADATA_HOSTS: [&str; 3] = ["metadata.google.internal", "metadata.goog", "metadata"];

/// AWS's IPv6 metadata address.
const AWS_METADATA_V6: Ipv6Addr = Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254);

/// One entry of `--callback-allow`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Allowed {
    /// A host name (any case); every address it resolves to.
    Host(String),
    /// An address (as a /32 or /128) or a network.
    Network(IpNet),
}

impl FromStr for Allowed {
    type Err = String;

    fn from_str(text: &str) -> Result<Allowed, String> {
        let text = text.trim();
        if let Ok(net) = text.parse::<IpNet>() {
            return Ok(Allowed::Network(net));
        }
        if let Ok(ip) = text.parse::<IpAddr>() {
            return Ok(Allowed::Network(IpNet::from(ip)));
        }
        let name = text.trim_end_matches('.').to_ascii_lowercase();
        let valid = !name.is_empty()
            && name.split('.').all(|label| {
                !label.is_empty()
                    && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            });
        if valid {
            Ok(Allowed::Host(name))
        } else {
            Err(format!("{text:?} is not a host name, an address or a network (CIDR)"))
        }
    }
}

/// Where callbacks may go.
#[derive(Debug, Clone, Default)]
pub struct Targets {
    /// Empty: anywhere but the refused addresses and names.
    allowed: Vec<Allowed>,
}

fn is_link_local(ip: IpAddr) -> bool {
    match ip.to_canonical() {
        IpAddr::V4(v4) => v4.is_link_local(),
        IpAddr::V6(v6) => (v6.segments()[0] & 0xffc0) == 0xfe80 || v6 == AWS_METADATA_V6,
    }
}

impl Targets {
    pub fn new(allowed: Vec<Allowed>) -> Targets {
        Targets { allowed }
    }

    fn names(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        self.allowed.iter().any(|a| matches!(a, Allowed::Host(name) if *name == host))
    }

    /// Why calls to the host named `host` may not be made at all, if so:
    /// a metadata service's name, unless the allow-list names it.
    pub fn refuse_host(&self, host: &str) -> Option<String> {
        let name = host.trim_end_matches('.').to_ascii_lowercase();
        (METADATA_HOSTS.contains(&name.as_str()) && !self.names(host))
            .then(|| format!("callback target {host} is a cloud metadata service"))
    }

    /// Why a call to `ip`, an address of `host`, may not be made, if so.
    pub fn refuse_address(&self, host: &str, ip: IpAddr) -> Option<String> {
        if self.allowed.is_empty() {
            return is_link_local(ip).then(|| {
                format!("callback target {ip} is link-local, where metadata services answer")
            });
        }
        let ip = ip.to_canonical();
        let allowed = self.names(host)
            || self.allowed.iter().any(|a| matches!(a, Allowed::Network(net) if net.contains(&ip)));
        (!allowed).then(|| format!("callback target {host} ({ip}) is not in --callback-allow"))
    }
}

/// The callback client's name resolver: resolves as usual, then drops the
/// addresses the targets refuse.
pub struct CheckedResolver(pub Arc<Targets>);

impl Resolve for CheckedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let targets = self.0.clone();
        let host = name.as_str().to_owned();
        Box::pin(async move {
            if let Some(reason) = targets.refuse_host(&host) {
                return Err(reason.into());
            }
            let resolved = tokio::net::lookup_host((host.as_str(), 0)).await?;
            let mut refused = None;
            let allowed: Vec<SocketAddr> = resolved
                .filter(|address| match targets.refuse_address(&host, address.ip()) {
                    Some(reason) => {
                        refused = Some(reason);
                        false
                    }
                    None => true,
                })
                .collect();
            match (allowed.is_empty(), refused) {
                (true, Some(reason)) => Err(reason.into()),
                _ => Ok(Box::new(allowed.into_iter()) as Addrs),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn by_default_everything_but_link_local_and_metadata_is_allowed() {
        let targets = Targets::default();
        assert!(targets.refuse_address("x", ip("127.0.0.1")).is_none());
        assert!(targets.refuse_address("x", ip("10.1.2.3")).is_none());
        assert!(targets.refuse_address("x", ip("169.254.169.254")).is_some());
        assert!(targets.refuse_address("x", ip("::ffff:169.254.169.254")).is_some());
        assert!(targets.refuse_address("x", ip("fe80::1")).is_some());
        assert!(targets.refuse_address("x", ip("fd00:ec2::254")).is_some());
        assert!(targets.refuse_host("metadata.google.internal").is_some());
        assert!(targets.refuse_host("receiver.example").is_none());
    }

    #[test]
    fn an_allow_list_allows_only_what_it_lists() {
        let allowed = ["10.0.0.0/8", "receiver.internal", "169.254.1.1"]
            .iter()
            .map(|text| text.parse().unwrap())
            .collect();
        let targets = Targets::new(allowed);
        assert!(targets.refuse_address("a", ip("10.9.9.9")).is_none());
        assert!(targets.refuse_address("receiver.internal", ip("192.168.1.1")).is_none());
        assert!(targets.refuse_address("a", ip("169.254.1.1")).is_none());
        assert!(targets.refuse_address("a", ip("127.0.0.1")).is_some());
        assert!("not a host!".parse::<Allowed>().is_err());
    }
}
