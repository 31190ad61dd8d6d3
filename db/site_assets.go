package db

import (
	"context"
	"encoding/base64"
)

// SiteAsset names (site_assets.name).
const AssetLogo = "logo"

// SiteAsset reads a file of the site settings (the logo); ErrNotFound when none.
func (c *conn) SiteAsset(ctx context.Context, name string) ([]byte, int64, error) {
	var row struct {
		Data      string `db:"data"`
		UpdatedAt int64  `db:"updated_at"`
	}
	if err := c.get(ctx, &row, `SELECT data, updated_at FROM site_assets WHERE name = ?`, name); err != nil {
		return nil, 0, err
	}
	b, err := base64.StdEncoding.DecodeString(row.Data)
	return b, row.UpdatedAt, err
}

// SetSiteAsset stores (replaces) a file of the site settings.
func (c *conn) SetSiteAsset(ctx context.Context, name string, data []byte) error {
	_, err := c.exec(ctx, `INSERT INTO site_assets (name, data, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at`,
		name, base64.StdEncoding.EncodeToString(data), Now())
	return err
}

// DeleteSiteAsset removes a file of the site settings (absent is fine).
func (c *conn) DeleteSiteAsset(ctx context.Context, name string) error {
	_, err := c.exec(ctx, `DELETE FROM site_assets WHERE name = ?`, name)
	return err
}
