package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/vpnlens/vpnlens/investigate"
)

func newClassifyCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "classify [--json] 'RECORD'",
		Short: "Explain one VPN log record: category, layer, meaning, acting side, fields",
		Long: `Explain one AWS Site-to-Site VPN log record: its category id (e.g.
ike.dpd_timeout, bgp.cease.max_prefixes), layer, meaning, which side acted,
severity and the fields it holds. Pass the whole record as logged (JSON or
text) or just its details text, quoted as one argument. It reads no logs, so
it takes no source flags. It is the classify_vpn_message tool an assistant
calls.`,
		Example: `  vpnlens classify 'AWS-side peer sent a notification 6/1 (Cease/Maximum Number of Prefixes Reached) to neighbor 169.254.11.2'
  vpnlens classify --json 'AWS tunnel DPD timed out after 3 retransmits'
  vpnlens classify "$(head -1 vpn-0abc_203.0.113.10-IKE.log)"`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return fmt.Errorf("classify takes one argument, the log record or its details text in quotes; got %d", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			res, err := askClassify(args[0])
			return printResult(cmd.OutOrStdout(), res, err, asJSON)
		},
	}
	addOutputFlags(cmd, &asJSON)
	return cmd
}

// askClassify asks the question: classify_vpn_message's handler.
func askClassify(record string) (answer, error) {
	res, err := investigate.ClassifyMessage(record)
	return res, err
}
