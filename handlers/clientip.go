package handlers

import (
	"net/netip"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// parseTrusted reads --trusted-proxies entries (addresses or CIDR prefixes).
func parseTrusted(list []string) []netip.Prefix {
	var out []netip.Prefix
	for _, p := range list {
		p = strings.TrimSpace(p)
		if pre, err := netip.ParsePrefix(p); err == nil {
			out = append(out, pre.Masked())
		} else if a, err := netip.ParseAddr(p); err == nil {
			a = a.Unmap()
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
		}
	}
	return out
}

func (s *Server) trusted(a netip.Addr) bool {
	for _, p := range s.trustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// clientIP is the client's address for limits, sessions and the audit log. The
// connection's address, unless it is a trusted proxy: then X-Forwarded-For is read
// from the right (each proxy appends the address it saw) and the first address that
// is not a trusted proxy wins. Entries left of it were written by the client and are
// ignored; an entry that is not an IP stops the walk at the last address we trust.
func (s *Server) clientIP(c *fiber.Ctx) string {
	if ip, ok := c.Locals("client_ip").(string); ok {
		return ip
	}
	addr, _ := netip.AddrFromSlice(c.Context().RemoteIP())
	addr = addr.Unmap()
	if len(s.trustedProxies) > 0 && s.trusted(addr) {
		hops := strings.Split(string(c.Request().Header.Peek(fiber.HeaderXForwardedFor)), ",")
		for i := len(hops) - 1; i >= 0; i-- {
			h := strings.TrimSpace(hops[i])
			if h == "" && len(hops) == 1 {
				break
			}
			a, err := netip.ParseAddr(h)
			if err != nil {
				break
			}
			addr = a.Unmap().WithZone("")
			if !s.trusted(addr) {
				break
			}
		}
	}
	ip := addr.String()
	c.Locals("client_ip", ip)
	return ip
}
