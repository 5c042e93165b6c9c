package aws

import (
	"io"
	"net/http"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
)

// WholeBodyClient wraps an AWS SDK HTTP client so that every request body
// is a plain io.ReadCloser. Every SDK client vpnlens builds goes through it,
// by LoadConfig (EC2, CloudWatch Logs, and the watch mode's SNS, whose
// Publish is not idempotent: a spurious retry there is a duplicate
// notification).
//
// Why: smithy-go wraps request bodies in a closer whose WriteTo returns
// io.EOF once the body is closed, and the SDK closes the body as soon as
// the response headers are in. net/http, after sending Content-Length
// bytes, copies the body once more to check nothing is left over; when
// the answer came first, that copy meets the closed body, net/http takes
// the io.EOF for a write failure and closes the connection under the
// response still being read. The call then fails with "use of closed
// network connection" and the SDK sends it again: one API call wasted
// (against a 5-per-second FilterLogEvents quota) and, with retries used
// up, a failed question. Without WriteTo, net/http reads through Read,
// which reports a closed body as a clean end.
func WholeBodyClient(next sdkaws.HTTPClient) sdkaws.HTTPClient {
	if _, done := next.(sendWholeBody); done {
		return next
	}
	return sendWholeBody{next: next}
}

type sendWholeBody struct{ next sdkaws.HTTPClient }

func (c sendWholeBody) Do(r *http.Request) (*http.Response, error) {
	if r.Body != nil && r.Body != http.NoBody {
		if _, ok := r.Body.(io.WriterTo); ok {
			r.Body = readOnlyBody{r.Body}
		}
	}
	return c.next.Do(r)
}

// readOnlyBody hides every method of the body but Read and Close.
type readOnlyBody struct{ io.ReadCloser }
