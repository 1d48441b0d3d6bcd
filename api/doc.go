// Package api is the HTTP interface of SạpQR: every route (routes.go), the
// one error-to-status table (errors.go), one file per resource, middleware
// and the embedded web UI. It is the only package that imports Echo.
package api
