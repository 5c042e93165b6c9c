module github.com/vpnlens/vpnlens

go 1.26
