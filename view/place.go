package view

import (
	"fmt"

	"github.com/vpnlens/vpnlens/investigate"
)

// placeText names an account and region: "account 111122223333, region
// eu-west-1"; "" when neither is known (exported logs).
func placeText(p investigate.Place) string {
	switch {
	case p.AccountID != "" && p.Region != "":
		return "account " + p.AccountID + ", region " + p.Region
	case p.AccountID != "":
		return "account " + p.AccountID
	case p.Region != "":
		return "region " + p.Region
	}
	return ""
}

// placeLine is the text line saying where a connection's answer came
// from; "" when that is not known.
func placeLine(vpn string, p investigate.Place) string {
	if t := placeText(p); t != "" {
		return fmt.Sprintf("%s is in %s.\n", vpn, t)
	}
	return ""
}
