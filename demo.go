package main

import "embed"

// demoDir is the embedded demo data set served by --demo: one day of logs
// for two VPN connections with several incidents.
const demoDir = "testdata/demo"

//go:embed testdata/demo
var demoFS embed.FS
