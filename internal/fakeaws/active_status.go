package fakeaws

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/url"
	"strconv"
)

// TunnelActiveStatus is what one tunnel negotiated, as EC2's
// GetActiveVpnTunnelStatus reports it (the JSON names are the AWS CLI's,
// as in a logs folder's tunnel-active-status.json). Empty fields are left
// out of the answer.
type TunnelActiveStatus struct {
	IkeVersion                string `json:"IkeVersion,omitempty"`
	Phase1EncryptionAlgorithm string `json:"Phase1EncryptionAlgorithm,omitempty"`
	Phase1IntegrityAlgorithm  string `json:"Phase1IntegrityAlgorithm,omitempty"`
	Phase1DHGroup             int    `json:"Phase1DHGroup,omitempty"`
	Phase2EncryptionAlgorithm string `json:"Phase2EncryptionAlgorithm,omitempty"`
	Phase2IntegrityAlgorithm  string `json:"Phase2IntegrityAlgorithm,omitempty"`
	Phase2DHGroup             int    `json:"Phase2DHGroup,omitempty"`
	ProvisioningStatus        string `json:"ProvisioningStatus,omitempty"`
	ProvisioningStatusReason  string `json:"ProvisioningStatusReason,omitempty"`
}

// SetActiveStatus sets what a tunnel negotiated.
func (s *Server) SetActiveStatus(vpnID, tunnelIP string, a TunnelActiveStatus) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.active == nil {
		s.active = map[string]TunnelActiveStatus{}
	}
	s.active[vpnID+"/"+tunnelIP] = a
}

// LoadActiveStatusJSON loads a logs folder's tunnel-active-status.json:
// {"Tunnels":[{"VpnConnectionId","VpnTunnelOutsideIpAddress","ActiveVpnTunnelStatus"}]}.
func (s *Server) LoadActiveStatusJSON(b []byte) error {
	var f struct {
		Tunnels []struct {
			VpnConnectionID           string             `json:"VpnConnectionId"`
			VpnTunnelOutsideIPAddress string             `json:"VpnTunnelOutsideIpAddress"`
			ActiveVpnTunnelStatus     TunnelActiveStatus `json:"ActiveVpnTunnelStatus"`
		} `json:"Tunnels"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return fmt.Errorf("fakeaws: tunnel-active-status.json: %w", err)
	}
	for i, t := range f.Tunnels {
		if t.VpnConnectionID == "" || t.VpnTunnelOutsideIPAddress == "" {
			return fmt.Errorf("fakeaws: tunnel-active-status.json: tunnel %d: needs VpnConnectionId and VpnTunnelOutsideIpAddress", i)
		}
		s.SetActiveStatus(t.VpnConnectionID, t.VpnTunnelOutsideIPAddress, t.ActiveVpnTunnelStatus)
	}
	return nil
}

type activeVpnTunnelStatusXML struct {
	IkeVersion                string `xml:"ikeVersion,omitempty"`
	Phase1EncryptionAlgorithm string `xml:"phase1EncryptionAlgorithm,omitempty"`
	Phase1IntegrityAlgorithm  string `xml:"phase1IntegrityAlgorithm,omitempty"`
	Phase1DHGroup             string `xml:"phase1DHGroup,omitempty"`
	Phase2EncryptionAlgorithm string `xml:"phase2EncryptionAlgorithm,omitempty"`
	Phase2IntegrityAlgorithm  string `xml:"phase2IntegrityAlgorithm,omitempty"`
	Phase2DHGroup             string `xml:"phase2DHGroup,omitempty"`
	ProvisioningStatus        string `xml:"provisioningStatus,omitempty"`
	ProvisioningStatusReason  string `xml:"provisioningStatusReason,omitempty"`
}

type getActiveVpnTunnelStatusResponse struct {
	XMLName               xml.Name                 `xml:"GetActiveVpnTunnelStatusResponse"`
	Xmlns                 string                   `xml:"xmlns,attr"`
	RequestID             string                   `xml:"requestId"`
	ActiveVpnTunnelStatus activeVpnTunnelStatusXML `xml:"activeVpnTunnelStatus"`
}

// getActiveVpnTunnelStatus answers for a known connection and tunnel
// (else InvalidVpnConnectionID.NotFound / InvalidParameterValue, as EC2).
// A tunnel nothing was set for is provisioned and reports no negotiated
// parameters.
func (s *Server) getActiveVpnTunnelStatus(form url.Values) (*getActiveVpnTunnelStatusResponse, *apiError) {
	id, ip := form.Get("VpnConnectionId"), form.Get("VpnTunnelOutsideIpAddress")
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, aerr := s.tunnelConnection(id, ip); aerr != nil {
		return nil, aerr
	}
	a, ok := s.active[id+"/"+ip]
	if !ok {
		a = TunnelActiveStatus{ProvisioningStatus: "available"}
	}
	group := func(g int) string {
		if g == 0 {
			return ""
		}
		return strconv.Itoa(g)
	}
	return &getActiveVpnTunnelStatusResponse{Xmlns: "http://ec2.amazonaws.com/doc/2016-11-15/", RequestID: "fake-request",
		ActiveVpnTunnelStatus: activeVpnTunnelStatusXML{IkeVersion: a.IkeVersion,
			Phase1EncryptionAlgorithm: a.Phase1EncryptionAlgorithm, Phase1IntegrityAlgorithm: a.Phase1IntegrityAlgorithm, Phase1DHGroup: group(a.Phase1DHGroup),
			Phase2EncryptionAlgorithm: a.Phase2EncryptionAlgorithm, Phase2IntegrityAlgorithm: a.Phase2IntegrityAlgorithm, Phase2DHGroup: group(a.Phase2DHGroup),
			ProvisioningStatus: a.ProvisioningStatus, ProvisioningStatusReason: a.ProvisioningStatusReason}}, nil
}
