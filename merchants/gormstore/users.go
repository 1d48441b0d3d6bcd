package gormstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/sapqr/sapqr/merchants"
)

func (q q) ListUsers(ctx context.Context, uq merchants.UserQuery) ([]merchants.User, error) {
	db := q.with(ctx).Model(&userRow{})
	if uq.Role != "" {
		db = db.Where("role = ?", string(uq.Role))
	}
	if len(uq.AnyCommunes) > 0 {
		// commune_codes is a comma-separated list: match ",CODE," inside
		// ",LIST,".
		conds := make([]string, 0, len(uq.AnyCommunes)+1)
		args := make([]any, 0, len(uq.AnyCommunes)+1)
		for _, c := range uq.AnyCommunes {
			conds = append(conds, "(',' || commune_codes || ',') LIKE ?")
			args = append(args, "%,"+escapeLike(c)+",%")
		}
		if uq.OrProvince != "" {
			conds = append(conds, "(role = 'province' AND province_code = ?)")
			args = append(args, uq.OrProvince)
		}
		db = db.Where("("+strings.Join(conds, " OR ")+")", args...)
	}
	if uq.Text != "" {
		like := "%" + escapeLike(uq.Text) + "%"
		db = db.Where("(username LIKE ? OR LOWER(display_name) LIKE ?)", like, like)
	}
	if uq.Active != nil {
		db = db.Where("active = ?", *uq.Active)
	}
	if uq.AfterID > 0 {
		db = db.Where("id > ?", uq.AfterID)
	}
	if uq.Limit > 0 {
		db = db.Limit(uq.Limit)
	}
	var rows []userRow
	if err := db.Order("id").Find(&rows).Error; err != nil {
		return nil, translate(err, "list users")
	}
	out := make([]merchants.User, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain()
	}
	return out, nil
}

// escapeLike keeps % and _ in s literal in a LIKE pattern (the default
// escape character of both databases is none, so they are dropped: codes
// and search text never need them).
func escapeLike(s string) string {
	return strings.NewReplacer("%", "", "_", "").Replace(s)
}

func (q q) UserToken(ctx context.Context, tokenHash []byte) (merchants.UserToken, error) {
	var r userTokenRow
	if err := q.with(ctx).Where("token_hash = ?", tokenHash).Take(&r).Error; err != nil {
		return merchants.UserToken{}, translate(err, "user token")
	}
	t := merchants.UserToken{TokenHash: r.TokenHash, UserID: r.UserID, CreatedAt: r.CreatedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC()}
	if r.UsedAt != nil {
		u := r.UsedAt.UTC()
		t.UsedAt = &u
	}
	return t, nil
}

func (t tx) UpdateUser(ctx context.Context, u merchants.User) error {
	res := t.db.WithContext(ctx).Model(&userRow{}).Where("id = ?", u.ID).Updates(map[string]any{
		"display_name": u.DisplayName, "phone": u.Phone, "role": string(u.Role), "province_code": u.ProvinceCode,
		"commune_codes": strings.Join(u.CommuneCodes, ","), "active": u.Active,
	})
	if res.Error == nil && res.RowsAffected == 0 {
		res.Error = gorm.ErrRecordNotFound
	}
	return translate(res.Error, fmt.Sprintf("update user %d", u.ID))
}

func (t tx) SetUserPassword(ctx context.Context, userID int64, passwordHash string) error {
	res := t.db.WithContext(ctx).Model(&userRow{}).Where("id = ?", userID).Update("password_hash", passwordHash)
	if res.Error == nil && res.RowsAffected == 0 {
		res.Error = gorm.ErrRecordNotFound
	}
	return translate(res.Error, fmt.Sprintf("set password of user %d", userID))
}

func (t tx) DeleteUserSessions(ctx context.Context, userID int64, keep []byte) (int64, error) {
	db := t.db.WithContext(ctx).Where("user_id = ?", userID)
	if keep != nil {
		db = db.Where("token_hash <> ?", keep)
	}
	res := db.Delete(&sessionRow{})
	return res.RowsAffected, translate(res.Error, fmt.Sprintf("end sessions of user %d", userID))
}

func (t tx) CreateUserToken(ctx context.Context, ut merchants.UserToken) error {
	r := userTokenRow{TokenHash: ut.TokenHash, UserID: ut.UserID, CreatedAt: ut.CreatedAt, ExpiresAt: ut.ExpiresAt}
	return translate(t.db.WithContext(ctx).Create(&r).Error, "create user token")
}

func (t tx) UseUserTokens(ctx context.Context, userID int64, at time.Time) error {
	return translate(t.db.WithContext(ctx).Model(&userTokenRow{}).Where("user_id = ? AND used_at IS NULL", userID).
		Update("used_at", at).Error, "use user tokens")
}
