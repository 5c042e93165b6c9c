package catalog

import (
	"fmt"
	"strings"
)

// phaseOptions are one phase's allowed algorithms, AWS defaults filled in.
type phaseOptions struct {
	enc, integ              []string
	dh                      []int
	life                    int
	encDef, integDef, dhDef bool
}

func (t *TunnelPolicy) phase(n int) phaseOptions {
	o := phaseOptions{enc: t.Phase1Encryption, integ: t.Phase1Integrity, dh: t.Phase1DHGroups, life: t.Phase1LifetimeSec}
	defDH, defLife := defaultPhase1DH, defaultPhase1Lifetime
	if n == 2 {
		o = phaseOptions{enc: t.Phase2Encryption, integ: t.Phase2Integrity, dh: t.Phase2DHGroups, life: t.Phase2LifetimeSec}
		defDH, defLife = defaultPhase2DH, defaultPhase2Lifetime
	}
	if len(o.enc) == 0 {
		o.enc, o.encDef = defaultEncryption, true
	}
	if len(o.integ) == 0 {
		o.integ, o.integDef = defaultIntegrity, true
	}
	if len(o.dh) == 0 {
		o.dh, o.dhDef = defDH, true
	}
	if o.life == 0 {
		o.life = defLife
	}
	return o
}

// accepts says what AWS accepts for one phase on this tunnel.
func accepts(t *TunnelPolicy, n int) string {
	o := t.phase(n)
	def := func(d bool) string {
		if d {
			return " (the AWS default)"
		}
		return ""
	}
	groups := make([]string, len(o.dh))
	for i, g := range o.dh {
		groups[i] = fmt.Sprint(g)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "AWS accepts for phase %d on this tunnel: ", n)
	if n == 1 {
		vs := t.ikeVersions()
		names := make([]string, len(vs))
		for i, v := range vs {
			names[i] = fmt.Sprintf("IKEv%d", v)
		}
		fmt.Fprintf(&b, "%s; ", strings.Join(names, " or "))
	}
	fmt.Fprintf(&b, "encryption %s%s; integrity %s%s; ", strings.Join(o.enc, ", "), def(o.encDef), strings.Join(o.integ, ", "), def(o.integDef))
	if n == 2 {
		b.WriteString("PFS with ")
	}
	noun := "DH group"
	if len(groups) > 1 {
		noun = "DH groups"
	}
	fmt.Fprintf(&b, "%s %s%s; lifetime up to %d s.", noun, strings.Join(groups, ", "), def(o.dhDef), o.life)
	return b.String()
}

// suite is one combination a gateway can propose: AWS algorithm names.
type suite struct {
	enc, integ string
	dh, life   int
}

func (s suite) gcm() bool { return strings.Contains(strings.ToUpper(s.enc), "GCM") }

func (s suite) keyBits() string {
	if strings.Contains(s.enc, "128") {
		return "128"
	}
	return "256"
}

// shaBits is the SHA variant: "1", "256", "384" or "512".
func (s suite) shaBits() string {
	switch strings.ToUpper(s.integ) {
	case "SHA1":
		return "1"
	case "SHA2-384":
		return "384"
	case "SHA2-512":
		return "512"
	}
	return "256"
}

// pickSuite chooses the combination the gateway snippets use: CBC before
// GCM (IKEv1 has no GCM for phase 1, and every platform has CBC), SHA2-256
// first, and a widely supported DH group.
func pickSuite(o phaseOptions) suite {
	pick := func(list, pref []string) string {
		for _, p := range pref {
			for _, v := range list {
				if strings.EqualFold(v, p) {
					return v
				}
			}
		}
		return list[0]
	}
	s := suite{enc: pick(o.enc, []string{"AES256", "AES128", "AES256-GCM-16", "AES128-GCM-16"}),
		integ: pick(o.integ, []string{"SHA2-256", "SHA2-384", "SHA2-512", "SHA1"}), dh: o.dh[0], life: o.life}
	for _, g := range []int{14, 20, 19, 21, 15, 16, 24, 17, 18, 23, 22, 5, 2} {
		if containsInt(o.dh, g) {
			s.dh = g
			break
		}
	}
	return s
}

func containsInt(list []int, v int) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// negotiatedSuite is phase n of what AWS last negotiated, when that names
// the encryption and the DH group, with picked's lifetime (the tunnel's).
func (t *TunnelPolicy) negotiatedSuite(n int, picked suite) (suite, bool) {
	ng := t.LastNegotiated
	if ng == nil {
		return suite{}, false
	}
	s := suite{enc: ng.Phase1Encryption, integ: ng.Phase1Integrity, dh: ng.Phase1DHGroup, life: picked.life}
	if n == 2 {
		s = suite{enc: ng.Phase2Encryption, integ: ng.Phase2Integrity, dh: ng.Phase2DHGroup, life: picked.life}
	}
	if s.enc == "" || s.dh == 0 {
		return suite{}, false
	}
	return s, true
}

// allows reports whether the phase's options accept s (an integrity AWS
// did not name is not held against it).
func (o phaseOptions) allows(s suite) bool {
	has := func(list []string, v string) bool {
		for _, x := range list {
			if strings.EqualFold(x, v) {
				return true
			}
		}
		return false
	}
	return has(o.enc, s.enc) && (s.integ == "" || has(o.integ, s.integ)) && containsInt(o.dh, s.dh)
}

// negotiatedCheck states what AWS last negotiated in phase n beside what
// the tunnel accepts, and whether the gateway commands can use it: a
// combination that matched this gateway before and that the tunnel's
// options still accept is the one to offer.
func negotiatedCheck(t *TunnelPolicy, n int, s suite, o phaseOptions) (string, bool) {
	ng := t.LastNegotiated
	what := s.enc
	if s.integ != "" && (n == 1 || !s.gcm()) {
		what += "/" + s.integ
	}
	group := "DH"
	if n == 2 {
		group = "PFS DH"
	}
	what = fmt.Sprintf("%s/%s %d", what, group, s.dh)
	if v := strings.ToLower(ng.IKEVersion); n == 1 && (v == "ikev1" || v == "ikev2") {
		what = "IKEv" + v[len(v)-1:] + " " + what
	}
	line := fmt.Sprintf("AWS last negotiated %s in phase %d on %s (GetActiveVpnTunnelStatus)", what, n, ng.Where)
	switch {
	case ng.OtherTunnel && !o.allows(s):
		return line + ", the connection's other tunnel, which usually shares this gateway's configuration; this tunnel's options do not accept it, so a gateway offering only that finds no match here.", false
	case ng.OtherTunnel:
		return line + ", the connection's other tunnel, which usually shares this gateway's configuration; this tunnel's options accept it too, so the gateway commands below use it.", true
	case !o.allows(s):
		return line + "; the tunnel's options no longer accept it (they changed since), so a gateway still offering only that finds no match.", false
	}
	return line + "; the tunnel's options accept it, so the gateway commands below use it.", true
}

// proposalAdvice is the advice for a proposal mismatch on a tunnel whose
// options are known: which phase failed, what AWS accepts for it, and
// per-platform configuration with those values.
func proposalAdvice(t *TunnelPolicy, f adviceFacts) Advice {
	var adv Advice
	switch f.phase {
	case 1:
		adv.Checks = append(adv.Checks, "Phase 1 (the IKE SA) failed: AWS accepted none of the IKE proposals the gateway offered.")
	case 2:
		sa := map[int]string{0: "the CHILD_SA / IKEv1 quick mode", 1: "IKEv1 quick mode", 2: "the CHILD_SA"}[f.ikeVersion]
		adv.Checks = append(adv.Checks, "Phase 2 ("+sa+") failed with phase 1 up: the gateway's IPsec (ESP) proposal or PFS group does not match.")
	default:
		adv.Checks = append(adv.Checks, "The record does not say which phase failed: compare both phases.")
	}
	phases := []int{1, 2}
	switch f.phase {
	case 1:
		phases = []int{1}
	case 2:
		phases = []int{2}
	}
	suites := map[int]suite{}
	var used []string
	for _, n := range phases {
		adv.Checks = append(adv.Checks, accepts(t, n))
		o := t.phase(n)
		s := pickSuite(o)
		if ns, ok := t.negotiatedSuite(n, s); ok {
			line, usable := negotiatedCheck(t, n, ns, o)
			adv.Checks = append(adv.Checks, line)
			if usable {
				if ns.integ == "" {
					ns.integ = s.integ // GCM: AWS names no integrity; the commands need a PRF
				}
				s = ns
			}
		}
		suites[n] = s
		if s.gcm() && n == 2 {
			used = append(used, fmt.Sprintf("phase %d %s, DH group %d", n, s.enc, s.dh))
		} else {
			used = append(used, fmt.Sprintf("phase %d %s, %s, DH group %d", n, s.enc, s.integ, s.dh))
		}
	}
	which := "phase 1 proposal"
	switch f.phase {
	case 2:
		which = "phase 2 proposal and PFS group"
	case 0:
		which = "proposals for both phases"
	}
	adv.Checks = append(adv.Checks, fmt.Sprintf("Configure the gateway's %s to one of these (it may offer others too, as long as one matches), then clear the SA so it renegotiates. The commands below use %s.", which, strings.Join(used, "; ")))
	if f.phase != 1 {
		adv.Checks = append(adv.Checks, "Enable PFS on the gateway's phase 2 with one of the DH groups above: AWS requires it.")
		if f.ikeVersion != 1 {
			adv.Checks = append(adv.Checks, fmt.Sprintf("With IKEv2 the first CHILD_SA is created inside IKE_AUTH without a Diffie-Hellman exchange, so a missing or different PFS group shows only at the first rekey (CREATE_CHILD_SA), shortly before the phase 2 lifetime (%d s) runs out.", t.phase(2).life))
		}
	}
	adv.Checks = append(adv.Checks, "Keep the gateway's lifetimes at or below the tunnel's.")
	adv.GatewayHints = proposalHints(suites, f.ikeVersion)
	return adv
}

// proposalHints writes each platform's configuration for the chosen suites
// and IKE version v (0: the tunnel allows both and the record does not
// say, so the version is left as it is; platforms whose commands differ by
// version get one hint per version, labelled).
func proposalHints(suites map[int]suite, v int) []GatewayHint {
	p1, has1 := suites[1]
	p2, has2 := suites[2]
	var out []GatewayHint
	add := func(vendor, tag string, parts ...string) {
		var keep []string
		for _, p := range parts {
			if p != "" {
				keep = append(keep, p)
			}
		}
		out = append(out, GatewayHint{Vendor: vendor, Hint: tag + strings.Join(keep, "; ")})
	}
	sha := func(s suite) string { return "sha" + s.shaBits() }
	versions, tag := []int{v}, func(int) string { return "" }
	if v == 0 {
		versions, tag = []int{2, 1}, func(v int) string { return fmt.Sprintf("IKEv%d: ", v) }
	}
	// Cisco IOS: phase 1 differs by version (ikev2 proposal, isakmp
	// policy); phase 2 is the same transform set and profile.
	var ios2 string
	if has2 {
		ts := fmt.Sprintf("esp-aes %s esp-%s-hmac", p2.keyBits(), strings.Replace(sha(p2), "sha1", "sha", 1))
		if p2.gcm() {
			ts = "esp-gcm " + p2.keyBits()
		}
		ios2 = fmt.Sprintf("crypto ipsec transform-set AWS %s / mode tunnel; in the crypto ipsec profile (or crypto map entry): set transform-set AWS / set pfs group%d / set security-association lifetime seconds %d; show crypto ipsec transform-set", ts, p2.dh, p2.life)
	}
	if !has1 {
		add(vIOS, "", ios2)
	}
	for _, ver := range versions {
		if !has1 {
			break
		}
		var a string
		switch {
		case ver == 1:
			hash := strings.Replace(sha(p1), "sha1", "sha", 1)
			a = fmt.Sprintf("crypto isakmp policy 10 / encryption aes %s / hash %s / authentication pre-share / group %d / lifetime %d; show crypto isakmp policy; debug crypto isakmp", p1.keyBits(), hash, p1.dh, p1.life)
		case p1.gcm():
			a = fmt.Sprintf("crypto ikev2 proposal AWS / encryption aes-gcm-%s / prf %s / group %d; lifetime %d in the crypto ikev2 profile; show crypto ikev2 proposal; debug crypto ikev2", p1.keyBits(), sha(p1), p1.dh, p1.life)
		default:
			a = fmt.Sprintf("crypto ikev2 proposal AWS / encryption aes-cbc-%s / integrity %s / group %d; lifetime %d in the crypto ikev2 profile; show crypto ikev2 proposal; debug crypto ikev2", p1.keyBits(), sha(p1), p1.dh, p1.life)
		}
		add(vIOS, tag(ver), a, ios2)
	}
	// Cisco ASA: both phases differ by version.
	asaEnc := func(s suite) string {
		e := "aes"
		if s.gcm() {
			e = "aes-gcm"
		}
		if s.keyBits() == "256" {
			e += "-256"
		}
		return e
	}
	for _, ver := range versions {
		var a, b string
		if has1 {
			integ := strings.Replace(sha(p1), "sha1", "sha", 1)
			switch {
			case ver == 1:
				a = fmt.Sprintf("a crypto ikev1 policy with authentication pre-share, encryption %s, hash %s, DH group %d, lifetime %d; show running-config crypto ikev1", p1.enc, p1.integ, p1.dh, p1.life)
			case p1.gcm():
				a = fmt.Sprintf("crypto ikev2 policy 10 / encryption %s / integrity null / prf %s / group %d / lifetime seconds %d; show running-config crypto ikev2", asaEnc(p1), integ, p1.dh, p1.life)
			default:
				a = fmt.Sprintf("crypto ikev2 policy 10 / encryption %s / integrity %s / prf %s / group %d / lifetime seconds %d; show running-config crypto ikev2", asaEnc(p1), integ, integ, p1.dh, p1.life)
			}
		}
		if has2 {
			if ver == 1 {
				b = fmt.Sprintf("an ikev1 transform-set with ESP %s and %s HMAC; set pfs group%d and set security-association lifetime seconds %d in the crypto map entry; show running-config crypto ipsec", p2.enc, p2.integ, p2.dh, p2.life)
			} else {
				integ := "sha-" + p2.shaBits()
				if p2.gcm() {
					integ = "null"
				}
				b = fmt.Sprintf("crypto ipsec ikev2 ipsec-proposal AWS / protocol esp encryption %s / protocol esp integrity %s; set pfs group%d and set security-association lifetime seconds %d in the crypto map entry or ipsec-profile; show running-config crypto ipsec", asaEnc(p2), integ, p2.dh, p2.life)
			}
		}
		add(vASA, tag(ver), a, b)
	}
	// The other platforms set the version with one statement; it is named
	// only when known.
	withVersion := func(s string) string {
		if v == 0 || !has1 {
			return ""
		}
		return fmt.Sprintf(s, v)
	}
	cbc := func(s suite) string {
		if s.gcm() {
			return "aes-" + s.keyBits() + "-gcm"
		}
		return "aes-" + s.keyBits() + "-cbc"
	}
	{ // Juniper SRX
		var a, b string
		if has1 {
			auth := " authentication-algorithm " + strings.Replace("sha-"+p1.shaBits(), "sha-1", "sha1", 1)
			if p1.gcm() {
				auth = ""
			}
			a = fmt.Sprintf("set security ike proposal AWS-P1 authentication-method pre-shared-keys dh-group group%d%s encryption-algorithm %s lifetime-seconds %d", p1.dh, auth, cbc(p1), p1.life)
		}
		if has2 {
			auth := " authentication-algorithm " + map[string]string{"1": "hmac-sha1-96", "256": "hmac-sha-256-128", "384": "hmac-sha-384", "512": "hmac-sha-512"}[p2.shaBits()]
			if p2.gcm() {
				auth = ""
			}
			b = fmt.Sprintf("set security ipsec proposal AWS-P2 protocol esp%s encryption-algorithm %s lifetime-seconds %d; set security ipsec policy <policy> perfect-forward-secrecy keys group%d", auth, cbc(p2), p2.life, p2.dh)
		}
		show := "show security ike security-associations detail"
		if !has1 {
			show = "show security ipsec security-associations detail"
		}
		add(vSRX, "", a, withVersion("set security ike gateway <gw> version v%d-only"), b, show)
	}
	{ // Palo Alto
		var a, b string
		if has1 {
			a = fmt.Sprintf("IKE Crypto profile: encryption %s, authentication %s, DH group group%d, key lifetime %d seconds", cbc(p1), sha(p1), p1.dh, p1.life)
		}
		if has2 {
			auth := sha(p2)
			if p2.gcm() {
				auth = "none"
			}
			b = fmt.Sprintf("IPSec Crypto profile: ESP encryption %s, authentication %s, DH group group%d, lifetime %d seconds", cbc(p2), auth, p2.dh, p2.life)
		}
		add(vPAN, "", a, withVersion("IKE Gateway > Version: IKEv%d only mode"), b, "less mp-log ikemgr.log")
	}
	{ // FortiGate
		var a, b string
		enc := func(s suite) string {
			if s.gcm() {
				return "aes" + s.keyBits() + "gcm"
			}
			return "aes" + s.keyBits()
		}
		if has1 {
			prop := enc(p1) + "-" + sha(p1)
			if p1.gcm() {
				prop = enc(p1) + "-prf" + sha(p1)
			}
			a = "config vpn ipsec phase1-interface / edit <name>" + withVersion(" / set ike-version %d") +
				fmt.Sprintf(" / set proposal %s / set dhgrp %d / set keylife %d", prop, p1.dh, p1.life)
		}
		if has2 {
			prop := enc(p2) + "-" + sha(p2)
			if p2.gcm() {
				prop = enc(p2)
			}
			b = fmt.Sprintf("config vpn ipsec phase2-interface / edit <name> / set proposal %s / set pfs enable / set dhgrp %d / set keylifeseconds %d", prop, p2.dh, p2.life)
		}
		show := "diagnose vpn ike gateway list name <name>"
		if !has1 {
			show = "diagnose vpn tunnel list name <name>"
		}
		add(vForti, "", a, b, show)
	}
	{ // strongSwan
		var a, b string
		enc := func(s suite) string {
			if s.gcm() {
				return "aes" + s.keyBits() + "gcm16"
			}
			return "aes" + s.keyBits()
		}
		if has1 {
			prop := enc(p1) + "-" + sha(p1) + "-" + swanDH(p1.dh)
			if p1.gcm() {
				prop = enc(p1) + "-prf" + sha(p1) + "-" + swanDH(p1.dh)
			}
			a = withVersion("version = %d and ") + "proposals = " + prop + " in the connection"
		}
		if has2 {
			prop := enc(p2) + "-" + sha(p2) + "-" + swanDH(p2.dh)
			if p2.gcm() {
				prop = enc(p2) + "-" + swanDH(p2.dh)
			}
			b = fmt.Sprintf("esp_proposals = %s in the child (its DH group is the PFS group)", prop)
		}
		add(vStrong, "", a, b, "swanctl --load-conns, then swanctl --list-conns")
	}
	return out
}

// swanDH is strongSwan's keyword for a DH group.
func swanDH(g int) string {
	if n, ok := map[int]string{2: "modp1024", 5: "modp1536", 14: "modp2048", 15: "modp3072", 16: "modp4096", 17: "modp6144", 18: "modp8192",
		19: "ecp256", 20: "ecp384", 21: "ecp521", 22: "modp1024s160", 23: "modp2048s224", 24: "modp2048s256"}[g]; ok {
		return n
	}
	return fmt.Sprintf("<group %d>", g)
}
