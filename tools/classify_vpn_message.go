package tools

import (
	"context"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/vpnlens/vpnlens/investigate"
)

// ClassifyVPNMessage declares classify_vpn_message.
func ClassifyVPNMessage(svc *investigate.Service) Def[investigate.ClassifyResult] {
	return Def[investigate.ClassifyResult]{
		Tool: mcp.NewTool("classify_vpn_message",
			append(readOnly("Classify one VPN log message"),
				mcp.WithDescription("Explain one AWS Site-to-Site VPN log record: pass the whole record as logged (JSON or text) or just its details text. Returns the category id, plain-language meaning, which side acted (AWS or the customer gateway), the values in the message (neighbor IP, counts, ASNs, SPI...), likely causes, what to check on the customer gateway with vendor commands, and the standards it comes from. Needs no AWS access."),
				mcp.WithString("message", mcp.Required(), mcp.MinLength(1), mcp.MaxLength(65536), mcp.Description("One log record as logged (a JSON object or a text line), or only its details text, e.g. \"AWS tunnel DPD timed out after 3 retransmits\".")),
				mcp.WithOutputSchema[investigate.ClassifyResult](),
			)...),
		Handle: func(ctx context.Context, r *Request) (investigate.ClassifyResult, error) {
			if !r.ok() {
				return investigate.ClassifyResult{}, r.err()
			}
			return investigate.ClassifyMessage(r.str("message"))
		},
	}
}
