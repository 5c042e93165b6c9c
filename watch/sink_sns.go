package watch

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/smithy-go"

	awssource "github.com/vpnlens/vpnlens/source/aws"
)

// SNSAPI is the part of the SNS client the sink uses.
type SNSAPI interface {
	Publish(ctx context.Context, in *sns.PublishInput, opts ...func(*sns.Options)) (*sns.PublishOutput, error)
}

// SNSSinkConfig builds an SNSSink.
type SNSSinkConfig struct {
	TopicARN string
	// Client is the SNS client; nil builds one from Region, Profile and
	// Endpoint with the standard credential chain.
	Client      SNSAPI
	Region      string
	Profile     string
	Endpoint    string
	Credentials sdkaws.CredentialsProvider
	HTTPClient  *http.Client
}

// SNSSink publishes reports to an Amazon SNS topic. The message is a
// per-protocol JSON structure: email (and SMS, and the default) get the
// readable text rendering, queues, functions and HTTP endpoints the JSON
// report. Message attributes carry severity, event and connection for
// subscription filter policies; a FIFO topic gets the connection as its
// message group and the delivery id as its deduplication id.
type SNSSink struct {
	topic  string
	client SNSAPI
}

// NewSNSSink builds the sink; it makes no request yet.
func NewSNSSink(ctx context.Context, cfg SNSSinkConfig) (*SNSSink, error) {
	if !strings.HasPrefix(cfg.TopicARN, "arn:") || !strings.Contains(cfg.TopicARN, ":sns:") {
		return nil, fmt.Errorf("SNS topic %q: want an ARN such as arn:aws:sns:eu-central-1:111122223333:vpn-alerts", cfg.TopicARN)
	}
	s := &SNSSink{topic: cfg.TopicARN, client: cfg.Client}
	if s.client != nil {
		return s, nil
	}
	region := cfg.Region
	if region == "" {
		// The topic's own region (arn:aws:sns:REGION:ACCOUNT:NAME).
		if parts := strings.Split(cfg.TopicARN, ":"); len(parts) >= 6 {
			region = parts[3]
		}
	}
	awsCfg, err := awssource.LoadConfig(ctx, awssource.ConfigOptions{Region: region, Profile: cfg.Profile, Credentials: cfg.Credentials,
		HTTPClient: cfg.HTTPClient,
		// The sink's own queue retries with backoff; the SDK tries twice.
		Retryer: func() sdkaws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) { o.MaxAttempts = 2 })
		}})
	if err != nil {
		return nil, fmt.Errorf("SNS: cannot load the AWS configuration: %w", err)
	}
	s.client = sns.NewFromConfig(awsCfg, func(o *sns.Options) {
		if cfg.Endpoint != "" {
			o.BaseEndpoint = sdkaws.String(cfg.Endpoint)
		}
	})
	return s, nil
}

// Name implements Sink.
func (s *SNSSink) Name() string { return "sns" }

// snsMaxMessage is SNS's message size limit (256 KiB).
const snsMaxMessage = 256 * 1024

// Send implements Sink.
func (s *SNSSink) Send(ctx context.Context, d *Delivery) error {
	msg, err := SNSMessage(d.Report)
	if err != nil {
		return &PermanentError{Err: err}
	}
	in := &sns.PublishInput{
		TopicArn:         sdkaws.String(s.topic),
		Subject:          sdkaws.String(SNSSubject(d.Report)),
		Message:          sdkaws.String(msg),
		MessageStructure: sdkaws.String("json"),
		MessageAttributes: map[string]snstypes.MessageAttributeValue{
			"severity":          {DataType: sdkaws.String("String"), StringValue: sdkaws.String(d.Report.Severity)},
			"event":             {DataType: sdkaws.String("String"), StringValue: sdkaws.String(d.Report.Event)},
			"vpn_connection_id": {DataType: sdkaws.String("String"), StringValue: sdkaws.String(d.Report.VPNConnectionID)},
		},
	}
	if strings.HasSuffix(s.topic, ".fifo") {
		sum := sha256.Sum256([]byte(d.ID))
		in.MessageGroupId = sdkaws.String(d.Report.VPNConnectionID)
		in.MessageDeduplicationId = sdkaws.String(hex.EncodeToString(sum[:]))
	}
	_, err = s.client.Publish(ctx, in)
	if err == nil {
		return nil
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		e := fmt.Errorf("SNS Publish to %s: %s: %s", s.topic, ae.ErrorCode(), ae.ErrorMessage())
		switch ae.ErrorCode() {
		case "NotFound", "AuthorizationError", "InvalidParameter", "InvalidParameterValue", "KMSAccessDenied", "KMSDisabled", "KMSNotFound", "InvalidSecurity":
			return &PermanentError{Err: e}
		}
		return e
	}
	return fmt.Errorf("SNS Publish to %s: %w", s.topic, err)
}

// SNSSubject is the mail subject: the title in printable ASCII, under
// 100 characters, as SNS requires.
func SNSSubject(r *Report) string {
	var b strings.Builder
	for _, c := range "[vpnlens " + r.Severity + "] " + r.Title {
		switch {
		case c == '—' || c == '–':
			b.WriteByte('-')
		case c == '…':
			b.WriteString("...")
		case c >= 0x20 && c < 0x7f:
			b.WriteRune(c)
		case c == '\n' || c == '\r' || c == '\t':
			b.WriteByte(' ')
		default:
			b.WriteByte('?')
		}
	}
	s := b.String()
	if len(s) > 99 {
		s = s[:96] + "..."
	}
	return s
}

// SNSMessage is the per-protocol message structure.
func SNSMessage(r *Report) (string, error) {
	text := r.Text()
	js, err := json.Marshal(r)
	if err != nil {
		return "", fmt.Errorf("encoding the report: %w", err)
	}
	m := map[string]string{"default": text, "email": text, "sms": r.Title}
	for _, p := range []string{"sqs", "lambda", "http", "https", "firehose", "email-json"} {
		m[p] = string(js)
	}
	b, err := json.Marshal(m)
	if err != nil {
		return "", err
	}
	if len(b) > snsMaxMessage {
		// Text only: the JSON report would not fit four times over.
		b, err = json.Marshal(map[string]string{"default": clip(text, snsMaxMessage/2), "email": clip(text, snsMaxMessage/2)})
	}
	return string(b), err
}
