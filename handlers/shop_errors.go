package handlers

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"recharge/shop"
)

// shopErrorStatus maps the shop's rule errors to a status and a message key: the one
// place where buying, renewing, transferring and the shop's admin forms decide what
// the user is told. ok=false means an unexpected error (the error handler logs it).
//
// Insufficient balance answers 409 Conflict (SPEC §10 lists the statuses for refused
// input; 402 is not among them): the request was valid, the wallet must be topped up
// first, and the page links to the top-up page.
const keyInsufficient = "shop.err_insufficient"

func shopErrorStatus(err error) (status int, key string, ok bool) {
	switch {
	case errors.Is(err, errFormTokenInvalid):
		return fiber.StatusConflict, "shop.err_form_expired", true
	case errors.Is(err, shop.ErrTokenUsed):
		return fiber.StatusConflict, "shop.err_form_expired", true
	case errors.Is(err, shop.ErrInsufficientFunds):
		return fiber.StatusConflict, keyInsufficient, true
	case errors.Is(err, shop.ErrOutOfStock):
		return fiber.StatusConflict, "shop.err_out_of_stock", true
	case errors.Is(err, shop.ErrNotForSale):
		return fiber.StatusConflict, "shop.err_not_for_sale", true

	case errors.Is(err, shop.ErrNotRenewable):
		return fiber.StatusConflict, "service.err_not_renewable", true
	case errors.Is(err, shop.ErrRenewTooEarly):
		return fiber.StatusConflict, "service.err_too_early", true
	case errors.Is(err, shop.ErrStatusInvalid):
		return fiber.StatusUnprocessableEntity, "service.err_status_invalid", true
	case errors.Is(err, shop.ErrStatusForbidden):
		return fiber.StatusConflict, "service.err_status_forbidden", true

	case errors.Is(err, shop.ErrNameRequired):
		return fiber.StatusUnprocessableEntity, "product.err_name_required", true
	case errors.Is(err, shop.ErrNameTooLong):
		return fiber.StatusUnprocessableEntity, "product.err_name_long", true
	case errors.Is(err, shop.ErrDescriptionTooLong):
		return fiber.StatusUnprocessableEntity, "product.err_description_long", true
	case errors.Is(err, shop.ErrPriceInvalid):
		return fiber.StatusUnprocessableEntity, "product.err_price_invalid", true
	case errors.Is(err, shop.ErrPriceNegative):
		return fiber.StatusUnprocessableEntity, "product.err_price_negative", true
	case errors.Is(err, shop.ErrPeriodInvalid):
		return fiber.StatusUnprocessableEntity, "product.err_period", true
	case errors.Is(err, shop.ErrStockInvalid):
		return fiber.StatusUnprocessableEntity, "product.err_stock", true

	case errors.Is(err, shop.ErrTransfersDisabled):
		return fiber.StatusForbidden, "fund.err_disabled", true
	case errors.Is(err, shop.ErrAmountInvalid):
		return fiber.StatusUnprocessableEntity, "fund.err_amount", true
	case errors.Is(err, shop.ErrAmountTooSmall):
		return fiber.StatusUnprocessableEntity, "fund.err_too_small", true
	case errors.Is(err, shop.ErrAmountTooLarge):
		return fiber.StatusUnprocessableEntity, "fund.err_too_large", true
	case errors.Is(err, shop.ErrRecipientInvalid):
		return fiber.StatusUnprocessableEntity, "fund.err_recipient_invalid", true
	case errors.Is(err, shop.ErrUnknownRecipient):
		return fiber.StatusUnprocessableEntity, "fund.err_unknown_recipient", true
	case errors.Is(err, shop.ErrTransferToSelf):
		return fiber.StatusUnprocessableEntity, "fund.err_self", true
	case errors.Is(err, shop.ErrTooManyTransfers):
		return fiber.StatusTooManyRequests, "fund.err_rate", true

	case errors.Is(err, shop.ErrMinInvalid):
		return fiber.StatusUnprocessableEntity, "fundset.err_min", true
	case errors.Is(err, shop.ErrMaxInvalid):
		return fiber.StatusUnprocessableEntity, "fundset.err_max", true
	case errors.Is(err, shop.ErrMinAboveMax):
		return fiber.StatusUnprocessableEntity, "fundset.err_min_above_max", true
	case errors.Is(err, shop.ErrCurrencyInvalid):
		return fiber.StatusUnprocessableEntity, "fundset.err_currency", true
	case errors.Is(err, shop.ErrShopNameInvalid):
		return fiber.StatusUnprocessableEntity, "fundset.err_shop_name", true
	case errors.Is(err, shop.ErrShopAddrTooLong):
		return fiber.StatusUnprocessableEntity, "fundset.err_shop_address", true
	}
	return 0, "", false
}
