"""Adversarial cases for the one compliance gate, `promogen.checks.check_copy`: data only.

Why this exists: the gate is the only thing standing between a small language model and a customer's
phone. Hand-picked unit tests tend to check the phrasings the author had in mind; this table instead
holds several hundred copies written the way a model (or a hurried copywriter) gets things subtly wrong,
next to the varied, natural copy a good CRM team writes and the gate must let through. Each must-reject
row carries ONE intended defect, named by the rule id the gate has to report (other rules may fire too);
"ok" rows must come back with no violation at all.

The campaigns are invented for this suite (brands, codes, competitors) and cover every offer kind and
channel, with and without applies_to, min_spend, expires, tone, banned_phrases and competitors.

Used by tests/test_gate_suite.py (one test per row), tests/test_gate_properties.py (the campaigns) and
`python -m eval.gate_suite` (the per-category figures).

Row shapes: (category, campaign_name, text, expected) or (category, campaign_name, text, expected, context)
where `expected` is a rule id or "ok" and `context` is the shopper's interest phrases (the copy may quote a
number from them together with its word). Invisible, combining and look-alike characters are written as
\\u escapes so that a reader can see them.
"""

from __future__ import annotations

RULES = (
    "empty",
    "too_long",
    "characters",
    "leftover",
    "link",
    "markup",
    "profanity",
    "language",
    "competitor",
    "banned_phrase",
    "code",
    "foreign_code",
    "brand",
    "value",
    "scope",
    "min_spend",
    "urgency",
    "invented_number",
    "invented_claim",
    "repetitive",
)

CATEGORIES = (
    "scope",
    "min_spend",
    "expiry_urgency",
    "numbers",
    "codes",
    "claims",
    "content",
    "competitor",
    "language",
    "profanity",
    "banned",
    "brand",
    "value",
    "length",
    "characters",
    "leftover",
)

# fmt: off
CAMPAIGNS: dict[str, dict] = {
    # push, percent_off scoped, dated, banned phrases, two competitors
    "trail20": {
        "campaign_id": "trail20", "brand": "Ridgeline Outdoors", "channel": "push", "tone": "adventurous",
        "locale": "en", "banned_phrases": ["guaranteed", "risk-free"],
        "competitors": ["Peakway", "Summit & Co"],
        "offer": {"kind": "percent_off", "value": 20, "code": "TRAIL20", "applies_to": "hiking gear",
                  "expires": "2026-12-31"},
    },
    # email subject (90), percent_off sitewide (no applies_to), no expiry
    "ink15": {
        "campaign_id": "ink15", "brand": "Inkwell Paper Co", "channel": "email_subject",
        "banned_phrases": ["cheap"], "competitors": ["Quillhouse"],
        "offer": {"kind": "percent_off", "value": 15, "code": "INK15"},
    },
    # sms (1 segment), amount_off USD with a minimum spend, sitewide
    "home10": {
        "campaign_id": "home10", "brand": "Harbor Home", "channel": "sms", "max_segments": 1,
        "competitors": ["Nestwell"],
        "offer": {"kind": "amount_off", "value": 10, "currency": "USD", "min_spend": 50, "code": "HOME10"},
    },
    # banner (100), percent_off scoped, dated, health-claim banned phrases
    "glow25": {
        "campaign_id": "glow25", "brand": "Lumen Skin", "channel": "banner", "tone": "calm",
        "banned_phrases": ["cure", "miracle", "risk-free"], "competitors": ["Dermaly"],
        "offer": {"kind": "percent_off", "value": 25, "code": "GLOW25", "applies_to": "serums",
                  "expires": "2026-11-30"},
    },
    # push, amount_off EUR scoped
    "beans5": {
        "campaign_id": "beans5", "brand": "Bruma Coffee", "channel": "push", "competitors": ["Kaffa Club"],
        "offer": {"kind": "amount_off", "value": 5, "currency": "EUR", "code": "BEANS5",
                  "applies_to": "coffee beans"},
    },
    # email subject, amount_off GBP scoped, minimum spend, dated
    "knit15": {
        "campaign_id": "knit15", "brand": "Thistle & Thread", "channel": "email_subject", "tone": "cosy",
        "competitors": ["Woolly Wonders"],
        "offer": {"kind": "amount_off", "value": 15, "currency": "GBP", "min_spend": 75, "code": "KNIT15",
                  "applies_to": "yarn", "expires": "2026-10-31"},
    },
    # sms, free_shipping sitewide, no minimum
    "pawship": {
        "campaign_id": "pawship", "brand": "Pawsome Pet Supply", "channel": "sms",
        "banned_phrases": ["cheap"], "competitors": ["Tailwag Market"],
        "offer": {"kind": "free_shipping", "code": "SHIPPAWS"},
    },
    # banner, free_shipping with a minimum spend, dated next year, no competitors
    "nimbusship": {
        "campaign_id": "nimbusship", "brand": "Nimbus Kids", "channel": "banner",
        "offer": {"kind": "free_shipping", "code": "NIMBUSSHIP", "min_spend": 35, "currency": "USD",
                  "expires": "2027-01-15"},
    },
    # push, bogo scoped, no banned phrases, no competitors
    "loafbogo": {
        "campaign_id": "loafbogo", "brand": "Crumb & Co Bakery", "channel": "push", "tone": "warm",
        "offer": {"kind": "bogo", "code": "LOAFBOGO", "applies_to": "sourdough loaves"},
    },
    # sms allowed 2 segments, bogo scoped, dated, code with a digit
    "velobogo": {
        "campaign_id": "velobogo", "brand": "Velo Cycle Works", "channel": "sms", "max_segments": 2,
        "competitors": ["Spokehaus"],
        "offer": {"kind": "bogo", "code": "TUBES2", "applies_to": "inner tubes", "expires": "2026-09-30"},
    },
    # email subject, gift with a minimum spend
    "mugift": {
        "campaign_id": "mugift", "brand": "Bloom Botanics", "channel": "email_subject",
        "banned_phrases": ["cure"],
        "offer": {"kind": "gift", "code": "MUGGIFT", "applies_to": "a free ceramic mug", "min_spend": 40,
                  "currency": "USD"},
    },
    # push with its own max_chars (120), gift, an all-letters code that is also an English phrase
    "teagift": {
        "campaign_id": "teagift", "brand": "Kettle House Tea", "channel": "push", "max_chars": 120,
        "tone": "friendly", "competitors": ["Steep Society"],
        "offer": {"kind": "gift", "code": "WELCOMEBACK", "applies_to": "a free tin of jasmine tea"},
    },
    # sms (1 segment), percent_off scoped
    "fit30": {
        "campaign_id": "fit30", "brand": "Pulse Fitness", "channel": "sms", "locale": "en",
        "banned_phrases": ["guaranteed"], "competitors": ["CoreFlex"],
        "offer": {"kind": "percent_off", "value": 30, "code": "FIT30", "applies_to": "yoga mats"},
    },
}
# fmt: on

# Rows per category: (campaign, text, expected) or (campaign, text, expected, context).

# scope: the offer's applies_to must be stated and never widened ("sitewide", "everything") or moved to
# another product; a sitewide offer must not be narrowed to a product; a gift must be the named gift.
SCOPE = [
    ("trail20", "Take 20% off swimsuits with TRAIL20.", "scope"),
    ("trail20", "20% off sitewide with TRAIL20 at Ridgeline Outdoors.", "scope"),
    ("trail20", "20% off your entire order with TRAIL20.", "scope"),
    ("trail20", "20% off everything, hikers! Code TRAIL20.", "scope"),
    ("trail20", "Gear up for winter: 20% off ski jackets with TRAIL20.", "scope"),
    ("trail20", "20% off all gear with TRAIL20 🥾", "scope"),
    ("trail20", "Take 20% off hiking boots with TRAIL20.", "scope"),
    # narrowed by a word in front (the second blind holdout); a word like "range" after it is the scope
    ("trail20", "20% off kids' hiking gear with TRAIL20", "scope"),
    ("trail20", "20% off ultralight hiking gear with TRAIL20", "scope"),
    ("trail20", "Our hiking gear range is 20% off with TRAIL20", "ok"),
    ("trail20", "20% off all your hiking gear with TRAIL20", "ok"),
    ("trail20", "20% off hiking gear awaits with TRAIL20", "ok"),
    ("trail20", "Your trusty hiking gear is 20% off with TRAIL20", "ok"),
    ("glow25", "25% off skincare with GLOW25", "scope"),
    ("glow25", "25% off moisturisers with GLOW25 at Lumen Skin", "scope"),
    ("glow25", "25% off your entire order with GLOW25", "scope"),
    ("beans5", "€5 off your order with BEANS5 ☕", "scope"),
    ("beans5", "€5 off brewing gear with BEANS5.", "scope"),
    ("fit30", "30% off gym bags with FIT30 at Pulse Fitness.", "scope"),
    ("fit30", "30% off everything at Pulse Fitness with FIT30.", "scope"),
    ("ink15", "15% off fountain pens with INK15", "scope"),
    ("ink15", "Notebook lovers: 15% off notebooks with INK15", "scope"),
    ("home10", "Harbor Home: $10 off bedding on orders over $50 with HOME10.", "scope"),
    ("pawship", "Free shipping on dog food with SHIPPAWS at Pawsome Pet Supply.", "scope"),
    ("nimbusship", "Free shipping on rain boots, orders over $35, code NIMBUSSHIP", "scope"),
    ("loafbogo", "BOGO on everything at Crumb & Co Bakery with LOAFBOGO", "scope"),
    ("loafbogo", "Buy 1, get 1 free on croissants with LOAFBOGO.", "scope"),
    ("velobogo", "Buy one, get one free on tyres with TUBES2. Velo Cycle Works", "scope"),
    ("mugift", "Get a free gift on a free ceramic mug with orders over $40: MUGGIFT", "scope"),
    ("mugift", "A free gift with orders over $40 - code MUGGIFT", "scope"),
    # the gift offered twice is padding; named once more as what the shopper likes, it is not
    ("mugift", "A free ceramic mug for your desk: spend $40, get a free ceramic mug. MUGGIFT", "repetitive"),
    ("mugift", "Love your ceramic mugs? Spend $40+ and get a free ceramic mug with MUGGIFT", "ok"),
    ("teagift", "Welcome back! Enjoy a free gift with WELCOMEBACK.", "scope"),
    ("teagift", "Enjoy a free tin of green tea with WELCOMEBACK", "scope"),
    ("knit15", "£15 off knitting needles on orders over £75 with KNIT15", "scope"),
    ("trail20", "Take 20% off hiking gear with TRAIL20.", "ok"),
    ("trail20", "20% off all hiking gear with TRAIL20 🥾", "ok"),
    ("trail20", "New trails, new boots? Take 20% off hiking gear with TRAIL20.", "ok"),
    ("trail20", "Hiking gear is 20% off at Ridgeline Outdoors with code TRAIL20.", "ok"),
    ("glow25", "25% off all serums with GLOW25", "ok"),
    ("glow25", "Glow season: 25% off serums at Lumen Skin. Code GLOW25", "ok"),
    ("beans5", "€5 off coffee beans with BEANS5 ☕", "ok"),
    ("beans5", "Morning ritual upgrade: €5 off all coffee beans at Bruma Coffee, code BEANS5.", "ok"),
    ("fit30", "Pulse Fitness: 30% off yoga mats with code FIT30.", "ok"),
    ("ink15", "15% off sitewide at Inkwell Paper Co with INK15", "ok"),
    ("ink15", "Stock up your desk: 15% off everything with INK15", "ok"),
    ("ink15", "Fresh pages ahead: 15% off your order with INK15", "ok"),
    ("home10", "Harbor Home: $10 off orders over $50 with code HOME10.", "ok"),
    ("pawship", "Free shipping on everything at Pawsome Pet Supply with code SHIPPAWS.", "ok"),
    ("nimbusship", "Free shipping sitewide on orders over $35 with NIMBUSSHIP", "ok"),
    ("loafbogo", "Buy 1, get 1 free on sourdough loaves with LOAFBOGO 🍞", "ok"),
    ("loafbogo", "BOGO on all sourdough loaves at Crumb & Co Bakery: use LOAFBOGO.", "ok"),
    ("velobogo", "Velo Cycle Works: buy one, get one free on inner tubes with code TUBES2.", "ok"),
    ("mugift", "A free ceramic mug on orders over $40 - code MUGGIFT", "ok"),
    ("teagift", "Welcome back! Enjoy a free tin of jasmine tea with WELCOMEBACK 🍵", "ok"),
    ("knit15", "£15 off yarn on orders over £75 with KNIT15", "ok"),
    # scope named before the value, or widened after it; determiners before the scope; one stem per noun
    ("trail20", "Tents and hiking gear are 20% off with code TRAIL20 until Dec 31.", "scope"),
    ("trail20", "20% off hiking gear, tents and more with code TRAIL20 until Dec 31.", "scope"),
    ("trail20", "Your hiking gear is 20% off with code TRAIL20 until Dec 31.", "ok"),
    ("trail20", "20% off all of our hiking gear with code TRAIL20 until Dec 31.", "ok"),
    ("trail20", "20% off all new hiking gear with code TRAIL20 until Dec 31.", "ok"),
    ("loafbogo", "Buy one sourdough loaf, get one free with LOAFBOGO", "ok"),
    ("home10", "$10 off per item on orders over $50. Code HOME10", "scope"),
    ("home10", "$10 off every item on orders over $50 with code HOME10", "scope"),
    ("beans5", "Save €5 per bag of coffee beans with BEANS5", "scope"),
    ("fit30", "30% off every yoga mat with FIT30.", "ok"),
]

# min_spend: a minimum must be kept exactly (dropped, contradicted, changed or swapped with the value
# fails), and an offer without one must not gain one. Several accepted phrasings of the minimum.
MIN_SPEND = [
    ("home10", "$10 off with HOME10 at Harbor Home.", "min_spend"),
    ("home10", "$10 off any order with HOME10.", "min_spend"),
    ("home10", "$10 off, no minimum, with HOME10.", "min_spend"),
    ("home10", "$50 off orders over $10 with HOME10.", "min_spend"),
    ("home10", "$10 off orders over $40 with HOME10.", "min_spend"),
    ("home10", "$10 off orders over $500 with HOME10.", "min_spend"),
    ("home10", "$10 off orders under $50 with HOME10.", "min_spend"),
    ("home10", "Spend $60, get $10 off with HOME10", "min_spend"),
    ("knit15", "£15 off yarn with KNIT15", "min_spend"),
    ("knit15", "£15 off yarn on any order with KNIT15", "min_spend"),
    ("knit15", "£15 off yarn on orders over £57 with KNIT15", "min_spend"),
    ("knit15", "£15 off yarn when you spend $75 with KNIT15", "min_spend"),
    ("nimbusship", "Free shipping on every order with NIMBUSSHIP", "min_spend"),
    ("nimbusship", "Free shipping with NIMBUSSHIP at Nimbus Kids", "min_spend"),
    ("nimbusship", "Free shipping on orders over $25 with NIMBUSSHIP", "min_spend"),
    ("mugift", "A free ceramic mug with any order - code MUGGIFT", "min_spend"),
    ("mugift", "Spend $40 and get a free ceramic mug with every order: MUGGIFT", "min_spend"),
    ("mugift", "A free ceramic mug with each purchase when you spend $40+, MUGGIFT", "min_spend"),
    ("mugift", "A free ceramic mug is yours with MUGGIFT", "min_spend"),
    # the threshold phrase with the code where the amount goes (a model slip seen on train campaigns)
    ("mugift", "Spend $40+ and get a free ceramic mug on orders over MUGGIFT", "min_spend"),
    # the minimum stated twice, in two phrasings (seen in dev copy): padding an approver strikes out
    ("mugift", "Spend $40+, get a free ceramic mug on orders over $40 with MUGGIFT", "repetitive"),
    ("home10", "Spend $50 and take $10 off orders over $50 with HOME10", "repetitive"),
    ("mugift", "Spend $40 or more and a free ceramic mug is yours. Code MUGGIFT", "ok"),
    ("mugift", "Spend $40+ for a free ceramic mug. Min. spend $40, code MUGGIFT", "ok"),
    ("home10", "$10 off orders over $50 and on purchases above HOME10", "min_spend"),
    ("home10", "$10 off orders over USD 50 with HOME10.", "ok"),
    ("home10", "Order over the phone or online: $10 off orders over $50 with HOME10.", "ok"),
    ("trail20", "20% off hiking gear on orders over $100 with TRAIL20", "min_spend"),
    ("beans5", "€5 off coffee beans when you spend €30 with BEANS5", "min_spend"),
    ("fit30", "30% off yoga mats, minimum spend $40, code FIT30", "min_spend"),
    ("ink15", "15% off orders over $25 with INK15", "min_spend"),
    ("pawship", "Free shipping on orders over $49 with SHIPPAWS", "min_spend"),
    ("loafbogo", "Buy 1, get 1 free on sourdough loaves when you spend $20. Code LOAFBOGO", "min_spend"),
    ("teagift", "A free tin of jasmine tea with orders of $30+ - code WELCOMEBACK", "min_spend"),
    ("home10", "$10 off orders over $50 with HOME10.", "ok"),
    ("home10", "Take $10 off when you spend $50 at Harbor Home. Code HOME10", "ok"),
    ("home10", "Spend $50+ and save $10 with code HOME10.", "ok"),
    ("home10", "Cozy nights: $10 off with a spend of $50. Code HOME10", "ok"),
    ("home10", "Bedding refresh? $10 off your order. Min. spend $50. Code HOME10", "ok"),
    ("home10", "$10 off $50 or more with HOME10 at Harbor Home.", "ok"),
    ("home10", "Cozy up for less: $10 off orders of $50+ with HOME10.", "ok"),
    ("home10", "Minimum spend $50: take $10 off with HOME10.", "ok"),
    ("home10", "$10 off orders over $50.00 with HOME10", "ok"),
    ("knit15", "£15 off yarn when you spend £75 with KNIT15", "ok"),
    ("knit15", "Spend £75+ on yarn, take £15 off with KNIT15", "ok"),
    ("knit15", "Big yarn haul? £15 off yarn on orders over £75 with KNIT15", "ok"),
    ("nimbusship", "Free shipping on orders over $35 with NIMBUSSHIP", "ok"),
    ("nimbusship", "Spend $35+ and shipping is free with NIMBUSSHIP", "ok"),
    ("mugift", "A free ceramic mug when you spend $40 with MUGGIFT", "ok"),
    ("mugift", "Orders of $40+ get a free ceramic mug: MUGGIFT", "ok"),
    ("trail20", "20% off hiking gear with TRAIL20, no minimum spend.", "ok"),
    ("pawship", "Free shipping on any order with SHIPPAWS at Pawsome Pet Supply.", "ok"),
    ("beans5", "€5 off coffee beans on any order with BEANS5", "ok"),
    ("fit30", "Roll out something new: 30% off yoga mats with FIT30 at Pulse Fitness.", "ok"),
    ("ink15", "15% off your order with INK15, however small", "ok"),
]

# expiry_urgency: without `expires` no deadline or pressure at all; with it, only that date (in any common
# form), and no relative deadlines or stock scarcity. Soft urgency tied to the right date passes.
EXPIRY_URGENCY = [
    # a month named as the deadline: only the month the offer ends in, on its last day
    ("trail20", "20% off hiking gear with code TRAIL20, all through January.", "urgency"),
    ("ink15", "15% off sitewide with code INK15 all of March.", "urgency"),
    ("trail20", "20% off hiking gear with code TRAIL20, all through December.", "ok"),
    ("nimbusship", "Free shipping on orders over $35 with NIMBUSSHIP, all through January", "urgency"),
    ("ink15", "Today only: 15% off sitewide with INK15", "urgency"),
    ("beans5", "€5 off coffee beans with BEANS5, ends tonight!", "urgency"),
    ("fit30", "Last chance! 30% off yoga mats with FIT30.", "urgency"),
    ("loafbogo", "Hurry, buy 1, get 1 free on sourdough loaves with LOAFBOGO", "urgency"),
    ("pawship", "Limited time: free shipping with SHIPPAWS", "urgency"),
    ("home10", "$10 off orders over $50 with HOME10. Ends soon!", "urgency"),
    ("teagift", "Only 3 left! A free tin of jasmine tea with WELCOMEBACK", "urgency"),
    ("mugift", "A free ceramic mug on orders over $40 while supplies last. MUGGIFT", "urgency"),
    ("ink15", "15% off sitewide with INK15, ends Friday", "urgency"),
    ("beans5", "€5 off coffee beans until Dec 31 with BEANS5", "urgency"),
    ("fit30", "Don't wait: 30% off yoga mats with FIT30", "urgency"),
    ("loafbogo", "Flash sale! Buy one, get one free on sourdough loaves with LOAFBOGO", "urgency"),
    ("pawship", "Free shipping this weekend only with SHIPPAWS", "urgency"),
    ("home10", "$10 off orders over $50 with HOME10 before it's gone", "urgency"),
    ("trail20", "20% off hiking gear until Dec 30 with TRAIL20", "urgency"),
    # the end date stated twice (seen in dev copy: "when you reach Jan 1 with EZJY, until Jan 1"): padding
    ("trail20", "Gear up by Dec 31: 20% off hiking gear with TRAIL20 until Dec 31", "repetitive"),
    ("trail20", "20% off hiking gear with TRAIL20 until Dec 31 (ends 12/31)", "repetitive"),
    # ... but not the closing terms line the decoding guard writes when the date was in another form
    ("trail20", "20% off hiking gear with TRAIL20 until 12/31. Ends Dec 31.", "ok"),
    ("trail20", "20% off hiking gear with TRAIL20 until the 31st of December. Ends Dec 31.", "ok"),
    ("trail20", "Today only: 20% off hiking gear with TRAIL20", "urgency"),
    ("trail20", "20% off hiking gear with TRAIL20, ends tonight 🌙", "urgency"),
    ("trail20", "20% off hiking gear with TRAIL20 - only 3 left in stock!", "urgency"),
    ("trail20", "20% off hiking gear with TRAIL20 until Dec 31, 2025", "urgency"),
    ("glow25", "25% off serums with GLOW25 this weekend", "urgency"),
    ("glow25", "25% off serums with GLOW25 through 11/29", "urgency"),
    ("glow25", "Last chance: 25% off serums with GLOW25, ends Dec 31", "urgency"),
    ("knit15", "£15 off yarn on orders over £75 with KNIT15 until 30 October", "urgency"),
    ("nimbusship", "Free shipping on orders over $35 with NIMBUSSHIP, ends Jan 5", "urgency"),
    ("velobogo", "Buy one, get one free on inner tubes with TUBES2 - ends in 20 hours!", "urgency"),
    ("velobogo", "Buy 1, get 1 free on inner tubes with TUBES2 until Oct 30", "urgency"),
    ("trail20", "20% off hiking gear with TRAIL20 until Dec 31", "ok"),
    ("trail20", "Take 20% off hiking gear with TRAIL20. Ends 31 December.", "ok"),
    ("trail20", "20% off hiking gear through 12/31 with code TRAIL20 🥾", "ok"),
    ("trail20", "Long trails ahead? 20% off hiking gear with TRAIL20 until December 31st.", "ok"),
    ("trail20", "Ends Dec. 31: 20% off hiking gear with TRAIL20.", "ok"),
    ("trail20", "Last chance: ends Dec 31. Take 20% off hiking gear with TRAIL20.", "ok"),
    ("trail20", "20% off hiking gear with TRAIL20, valid until Dec 31, 2026.", "ok"),
    ("trail20", "Don't miss it: 20% off hiking gear with TRAIL20 ends Dec 31.", "ok"),
    ("glow25", "25% off serums with GLOW25 until Nov 30", "ok"),
    ("glow25", "Ends 30 November: 25% off serums with GLOW25", "ok"),
    ("glow25", "25% off serums through 11/30 with GLOW25 at Lumen Skin", "ok"),
    ("knit15", "£15 off yarn on orders over £75 with KNIT15, ends 31 October", "ok"),
    ("knit15", "Until Oct 31: £15 off yarn when you spend £75, code KNIT15", "ok"),
    ("nimbusship", "Free shipping on orders over $35 until Jan 15 with NIMBUSSHIP", "ok"),
    ("nimbusship", "Ends January 15th: free shipping on orders over $35, code NIMBUSSHIP", "ok"),
    ("velobogo", "Buy one, get one free on inner tubes with TUBES2 until Sept 30.", "ok"),
    ("velobogo", "Velo Cycle Works: buy 1, get 1 free on inner tubes with TUBES2. Ends 30 September.", "ok"),
    ("loafbogo", "Weekend baking plans? Buy 1, get 1 free on sourdough loaves with LOAFBOGO.", "ok"),
    ("beans5", "Loved your last bag? €5 off coffee beans with BEANS5.", "ok"),
    ("fit30", "Time for a fresh mat? 30% off yoga mats with FIT30.", "ok"),
    ("ink15", "Write more, spend less: 15% off sitewide with INK15", "ok"),
    ("pawship", "See you soon, pup! Free shipping on your order with SHIPPAWS.", "ok"),
    ("teagift", "Tea time? A free tin of jasmine tea is yours with WELCOMEBACK.", "ok"),
    # a gift without a minimum comes with any order (writers' copy the gate wrongly refused), not any product
    ("teagift", "Tea time? A free tin of jasmine tea with any order, code WELCOMEBACK.", "ok"),
    ("teagift", "A free tin of jasmine tea with every purchase: WELCOMEBACK", "ok"),
    ("teagift", "A free tin of jasmine tea with every teapot: WELCOMEBACK", "scope"),
]

# numbers: every number must be the offer's (value, minimum, expiry date) or copied with its word from the
# shopper's context; counts, ratings, years, sizes and timers made up by the writer fail.
NUMBERS = [
    ("pawship", "Get 3 free shipping with SHIPPAWS", "invented_number"),
    ("trail20", "20% off hiking gear with TRAIL20 - ends in 20 hours", "invented_number"),
    ("ink15", "15% off sitewide with INK15: save on 5 items", "invented_number"),
    ("trail20", "Over 200 styles of hiking gear, 20% off with TRAIL20", "invented_number"),
    ("beans5", "Rated 4.8 by coffee lovers: €5 off coffee beans with BEANS5", "invented_number"),
    ("home10", "Join 10,000 happy homes: $10 off orders over $50 with HOME10", "invented_number"),
    ("loafbogo", "Baking since 1987: buy 1, get 1 free on sourdough loaves with LOAFBOGO", "invented_number"),
    ("glow25", "Top 5 serums, 25% off with GLOW25", "invented_number"),
    ("knit15", "£15 off 100% merino yarn on orders over £75 with KNIT15", "invented_number"),
    ("fit30", "30% off yoga mats with FIT30 - pick from 12 colours", "invented_number"),
    ("teagift", "A free tin of jasmine tea with WELCOMEBACK, our 3rd anniversary treat", "invented_number"),
    ("mugift", "A free ceramic mug with orders over $40 - only 2 per customer. MUGGIFT", "invented_number"),
    ("nimbusship", "Free shipping on orders over $35 in 2 days with NIMBUSSHIP", "invented_number"),
    ("velobogo", "Buy one, get one free on inner tubes with TUBES2 - fits 700c wheels", "invented_number"),
    ("trail20", "Hike 5 more miles: 20% off hiking gear with TRAIL20", "invented_number"),
    ("ink15", "Your 2 favourite pens: 15% off sitewide with INK15", "invented_number"),
    ("loafbogo", "Buy 1, get 1 free on sourdough loaves, baked at 6am. LOAFBOGO", "invented_number"),
    (
        "ink15",
        "Grab 5 gel pens: 15% off sitewide with INK15",
        "invented_number",
        "3-pack gel pens; 12-month planner",
    ),
    (
        "trail20",
        "Size 11 hiking boots? 20% off hiking gear with TRAIL20",
        "invented_number",
        "size 10 hiking boots",
    ),
    (
        "trail20",
        "10 pairs of socks could be yours: 20% off hiking gear with TRAIL20",
        "invented_number",
        "size 10 hiking boots",
    ),
    (
        "fit30",
        "Get 3 for the studio: 30% off yoga mats with FIT30",
        "invented_number",
        "pack of 3 resistance bands",
    ),
    ("beans5", "Brew 4 cups a day: €5 off coffee beans with BEANS5", "invented_number", "2-cup moka pot"),
    (
        "home10",
        "Set of 6 linen napkins? $10 off orders over $50 with HOME10",
        "invented_number",
        "set of 4 linen napkins",
    ),
    ("trail20", "20% off hiking gear through 12/31 with TRAIL20", "ok"),
    ("home10", "Save $10 on orders over $50 at Harbor Home with code HOME10.", "ok"),
    ("loafbogo", "Buy 1, get 1 free: sourdough loaves at Crumb & Co Bakery with LOAFBOGO", "ok"),
    ("nimbusship", "Free shipping on orders over $35 until 1/15 with NIMBUSSHIP", "ok"),
    ("knit15", "£15 off yarn on orders over £75 until 31 Oct, code KNIT15", "ok"),
    ("glow25", "25% off serums until Nov 30 with GLOW25 ✨", "ok"),
    ("velobogo", "Buy 1, get 1 free on inner tubes with TUBES2 until 9/30.", "ok"),
    ("fit30", "Thirty percent off yoga mats with FIT30 at Pulse Fitness.", "ok"),
    ("beans5", "Five euros off coffee beans with BEANS5 ☕", "ok"),
    ("ink15", "Fifteen percent off sitewide with INK15", "ok"),
    (
        "ink15",
        "Still eyeing that 3-pack of gel pens? 15% off sitewide with INK15",
        "ok",
        "3-pack gel pens; 12-month planner",
    ),
    (
        "ink15",
        "Plan ahead with a 12-month planner: 15% off everything with INK15",
        "ok",
        "3-pack gel pens; 12-month planner",
    ),
    (
        "trail20",
        "Those size 10 hiking boots are calling: 20% off hiking gear with TRAIL20.",
        "ok",
        "size 10 hiking boots; 2-person tent",
    ),
    (
        "trail20",
        "Your 2-person tent is waiting: 20% off hiking gear with TRAIL20.",
        "ok",
        "size 10 hiking boots; 2-person tent",
    ),
    (
        "trail20",
        "Your next 10K trail race deserves fresh gear: 20% off hiking gear with TRAIL20.",
        "ok",
        "10K trail race",
    ),
    (
        "fit30",
        "Loved your pack of 3 resistance bands? Take 30% off yoga mats with FIT30.",
        "ok",
        "pack of 3 resistance bands",
    ),
    (
        "beans5",
        "Your 2-cup moka pot deserves fresh beans: €5 off coffee beans with BEANS5.",
        "ok",
        "2-cup moka pot",
    ),
    (
        "home10",
        "Your set of 4 linen napkins needs a table: $10 off orders over $50 with HOME10.",
        "ok",
        "set of 4 linen napkins",
    ),
    (
        "loafbogo",
        "Put that 9-inch banneton to work: buy 1, get 1 free on sourdough loaves with LOAFBOGO.",
        "ok",
        "9-inch banneton",
    ),
    (
        "pawship",
        "Walkies in that size 3 dog harness? Free shipping on your order with SHIPPAWS.",
        "ok",
        "size 3 dog harness",
    ),
]

# codes: the campaign code exactly once and unaltered (case, digits, letters, look-alike or combining
# characters, spacing); no other code-like token (letter+digit mixes, all-caps promo words, a word after
# "code"/"use"/"enter"/"promo code" that is not the code).
CODES = [
    ("trail20", "20% off hiking gear with code trail20", "code"),
    ("trail20", "20% off hiking gear with code Trail20", "code"),
    ("trail20", "20% off hiking gear with code TRAIL21", "code"),
    ("trail20", "20% off hiking gear with code TRAIL2O", "code"),
    ("trail20", "20% off hiking gear with code TRAIL 20", "code"),
    ("trail20", "20% off hiking gear with code TRAIL-20", "code"),
    ("trail20", "20% off hiking gear with code TR\u0410IL20", "code"),
    ("trail20", "20% off hiking gear at Ridgeline Outdoors", "code"),
    ("trail20", "TRAIL20: 20% off hiking gear. Use TRAIL20 at checkout.", "code"),
    ("glow25", "25% off serums with GLOW52", "code"),
    ("glow25", "25% off serums with code GL0W25", "code"),
    ("ink15", "15% off sitewide with INK15\u0332", "code"),
    ("pawship", "Free shipping on your order with SHIPAWS", "code"),
    ("teagift", "A free tin of jasmine tea with code WELCOME-BACK", "code"),
    ("home10", "$10 off orders over $50 with HOME100", "code"),
    ("fit30", "30% off yoga mats with FIT 30", "code"),
    ("trail20", "20% off hiking gear with TRAIL20 or save30", "foreign_code"),
    ("trail20", "20% off hiking gear with TRAIL20, or try RUN25", "foreign_code"),
    ("ink15", "15% off sitewide with INK15 plus WELCOME at checkout", "foreign_code"),
    ("beans5", "€5 off coffee beans with BEANS5 and EXTRA for regulars", "foreign_code"),
    ("loafbogo", "Buy 1, get 1 free on sourdough loaves with LOAFBOGO, or FREEGIFT", "foreign_code"),
    ("fit30", "30% off yoga mats: use code STRETCH, or FIT30 at checkout", "foreign_code"),
    (
        "mugift",
        "A free ceramic mug on orders over $40 with MUGGIFT. Members use promo code petals",
        "foreign_code",
    ),
    ("nimbusship", "Free shipping on orders over $35 with NIMBUSSHIP + KIDS10", "foreign_code"),
    ("home10", "$10 off orders over $50 with HOME10. Friends get HOME5", "foreign_code"),
    ("trail20", "Use code TRAIL20 for 20% off hiking gear.", "ok"),
    ("trail20", "TRAIL20 = 20% off hiking gear 🥾", "ok"),
    ("trail20", "20% off hiking gear. Code: TRAIL20", "ok"),
    ("trail20", "Enter TRAIL20 at checkout for 20% off hiking gear.", "ok"),
    ("trail20", "20% off hiking gear (code TRAIL20)", "ok"),
    ("trail20", "Your code \u201cTRAIL20\u201d takes 20% off hiking gear.", "ok"),
    ("teagift", "Welcome back, tea lover! A free tin of jasmine tea is yours with WELCOMEBACK.", "ok"),
    ("teagift", "WELCOMEBACK unlocks a free tin of jasmine tea at Kettle House Tea.", "ok"),
    ("nimbusship", "Nimbus Kids: code NIMBUSSHIP gets free shipping on orders over $35", "ok"),
    ("velobogo", "Use code TUBES2: buy 1, get 1 free on inner tubes.", "ok"),
    ("loafbogo", "LOAFBOGO gets you BOGO on sourdough loaves at Crumb & Co Bakery.", "ok"),
    ("fit30", "Code FIT30 takes 30% off yoga mats. Use it at checkout.", "ok"),
    ("glow25", "GLOW25 at checkout: 25% off serums", "ok"),
    ("ink15", "15% off sitewide. Just use INK15 at checkout", "ok"),
    ("pawship", "Enter SHIPPAWS at checkout for free shipping on your order.", "ok"),
    ("home10", "$10 off orders over $50. Your code: HOME10", "ok"),
    ("beans5", "€5 off coffee beans, code BEANS5.", "ok"),
    ("mugift", "A free ceramic mug on orders over $40 - use MUGGIFT at checkout", "ok"),
    ("knit15", "£15 off yarn on orders over £75, promo code KNIT15", "ok"),
]

# claims: nothing the offer does not give: free returns, upgraded shipping, bonus or mystery gifts,
# guarantees, rankings and awards, medical claims, BOGO or free shipping on other offers, any other
# "free X". Near-misses ("best hike", "feel free", "return to") and the offer's own "free" pass.
CLAIMS = [
    # a second free thing that starts with a word of the gift, or of the code
    ("teagift", "Get a free tin of jasmine tea and a free teapot with code WELCOMEBACK", "invented_claim"),
    ("mugift", "Spend $40, get a free ceramic mug and a free tote with MUGGIFT", "invented_claim"),
    ("trail20", "20% off hiking gear with TRAIL20 + free returns", "invented_claim"),
    ("trail20", "20% off hiking gear and complimentary shipping with TRAIL20", "invented_claim"),
    ("beans5", "€5 off coffee beans with BEANS5, plus express shipping", "invented_claim"),
    ("fit30", "30% off yoga mats with FIT30 and next-day delivery", "invented_claim"),
    # found by the second blind holdout (2026-12-01): a warranty, stock news
    ("trail20", "20% off hiking gear with TRAIL20. Lifetime warranty included.", "invented_claim"),
    ("trail20", "New arrivals just landed: 20% off hiking gear with TRAIL20", "invented_claim"),
    ("trail20", "Back in stock! 20% off hiking gear with TRAIL20", "invented_claim"),
    ("nimbusship", "Know a new arrival? Free shipping on orders over $35 with NIMBUSSHIP", "ok"),
    # the offer's own free shipping in other words, the goods sometimes inside
    ("nimbusship", "Complimentary shipping on orders over $35 with NIMBUSSHIP", "ok"),
    ("nimbusship", "Free express shipping on orders over $35 with NIMBUSSHIP", "invented_claim"),
    ("pawship", "Free treat shipping with SHIPPAWS", "ok"),
    ("pawship", "Shipping on treats is free with SHIPPAWS", "ok"),
    ("glow25", "25% off serums with GLOW25 + a bonus gift", "invented_claim"),
    ("glow25", "25% off serums with GLOW25. Clinically proven glow.", "invented_claim"),
    ("ink15", "15% off sitewide with INK15 and a mystery gift", "invented_claim"),
    ("ink15", "15% off sitewide with INK15 - buy two notebooks, get one free", "invented_claim"),
    ("home10", "$10 off orders over $50 with HOME10. Money-back guarantee.", "invented_claim"),
    ("home10", "The #1 home store: $10 off orders over $50 with HOME10", "invented_claim"),
    ("beans5", "Our best-selling coffee beans are €5 off with BEANS5", "invented_claim"),
    ("loafbogo", "Award-winning sourdough loaves: buy 1, get 1 free with LOAFBOGO", "invented_claim"),
    ("trail20", "20% off hiking gear + free shipping with TRAIL20", "invented_claim"),
    ("fit30", "30% off yoga mats and BOGO with FIT30", "invented_claim"),
    ("pawship", "Free shipping and a free chew toy with SHIPPAWS", "invented_claim"),
    ("nimbusship", "Free shipping on orders over $35 plus free gift wrap, code NIMBUSSHIP", "invented_claim"),
    ("mugift", "A free ceramic mug and free samples on orders over $40: MUGGIFT", "invented_claim"),
    ("teagift", "A free tin of jasmine tea plus a free infuser with WELCOMEBACK", "invented_claim"),
    ("velobogo", "Buy 1, get 1 free on inner tubes with TUBES2 + free fitting", "invented_claim"),
    ("knit15", "£15 off yarn on orders over £75 with KNIT15 and free patterns", "invented_claim"),
    ("pawship", "Free shipping and free returns with SHIPPAWS", "invented_claim"),
    ("glow25", "Dermatologist-approved: 25% off serums with GLOW25", "invented_claim"),
    ("loafbogo", "Buy 1, get 1 free on sourdough loaves with LOAFBOGO, delivered free", "invented_claim"),
    ("trail20", "Free gift with every order! 20% off hiking gear with TRAIL20", "invented_claim"),
    ("trail20", "Your best hike yet starts here: 20% off hiking gear with TRAIL20.", "ok"),
    ("pawship", "Free shipping on your order with SHIPPAWS. Treat the pack!", "ok"),
    ("pawship", "Free standard shipping on everything with SHIPPAWS.", "ok"),
    ("pawship", "Ship it free with SHIPPAWS at Pawsome Pet Supply.", "ok"),
    ("nimbusship", "Shipping is free on orders over $35 with NIMBUSSHIP", "ok"),
    ("loafbogo", "BOGO on sourdough loaves with LOAFBOGO: share the extra with a neighbour.", "ok"),
    ("mugift", "Get a free ceramic mug with orders over $40 using MUGGIFT", "ok"),
    ("teagift", "A free tin of jasmine tea, on us, with WELCOMEBACK", "ok"),
    ("fit30", "Feel free to roll out a new mat: 30% off yoga mats with FIT30", "ok"),
    ("glow25", "Your evening routine, upgraded: 25% off serums with GLOW25", "ok"),
    ("beans5", "Return to your favourite roast: €5 off coffee beans with BEANS5", "ok"),
    ("home10", "Proud of your home? $10 off orders over $50 with HOME10", "ok"),
    ("velobogo", "Buy one, get one free on inner tubes with TUBES2. Spare for the saddle bag!", "ok"),
    ("ink15", "Gift-worthy stationery: 15% off sitewide with INK15", "ok"),
    ("knit15", "Warm hands, happy heart: £15 off yarn on orders over £75 with KNIT15", "ok"),
    ("trail20", "Trail-ready and comfy: 20% off hiking gear with TRAIL20", "ok"),
    ("nimbusship", "Free shipping on orders over $35 at Nimbus Kids, code NIMBUSSHIP", "ok"),
    ("loafbogo", "Buy one, get one free on sourdough loaves with LOAFBOGO at Crumb & Co Bakery.", "ok"),
]

# content: empty copy, links of every kind (URLs, bare domains, e-mail, phone, handles, hashtags) and
# markup (HTML, markdown). Ampersands in brand names, "tap to shop", "in the app" pass.
CONTENT = [
    ("trail20", "", "empty"),
    ("ink15", "   ", "empty"),
    ("pawship", "\n\t\n", "empty"),
    ("glow25", "\u200b", "empty"),
    ("trail20", "20% off hiking gear with TRAIL20 at https://ridgeline.example/sale", "link"),
    ("trail20", "20% off hiking gear with TRAIL20: www.ridgelineoutdoors.com", "link"),
    ("ink15", "15% off sitewide with INK15 at inkwellpaper.com", "link"),
    ("beans5", "€5 off coffee beans with BEANS5. More at example.com", "link"),
    ("home10", "$10 off orders over $50 with HOME10. Shop bit.ly/harborhome", "link"),
    ("fit30", "30% off yoga mats with FIT30. Questions? help@pulsefitness.com", "link"),
    ("pawship", "Free shipping with SHIPPAWS. Call 555-0134 to order", "link"),
    ("loafbogo", "Buy 1, get 1 free on sourdough loaves with LOAFBOGO. Follow @crumbandco", "link"),
    ("glow25", "25% off serums with GLOW25 #glowup", "link"),
    ("teagift", "A free tin of jasmine tea with WELCOMEBACK. Tag us #kettlehouse", "link"),
    ("nimbusship", "Free shipping on orders over $35 with NIMBUSSHIP at nimbuskids.co.uk", "link"),
    ("velobogo", "Buy 1, get 1 free on inner tubes with TUBES2. Questions? Call +1 (555) 013-4567", "link"),
    ("trail20", "<b>20% off hiking gear</b> with TRAIL20", "markup"),
    ("trail20", "**20% off hiking gear** with TRAIL20", "markup"),
    ("ink15", "15% off sitewide with __INK15__", "markup"),
    ("beans5", "[€5 off coffee beans](https://bruma.example) with BEANS5", "markup"),
    ("glow25", "# 25% off serums with GLOW25", "markup"),
    ("knit15", "£15 off yarn on orders over £75 with `KNIT15`", "markup"),
    ("mugift", "A free ceramic mug on orders over $40<br>Code MUGGIFT", "markup"),
    ("teagift", "<p>A free tin of jasmine tea with WELCOMEBACK</p>", "markup"),
    ("loafbogo", "Buy 1, get 1 free on <i>sourdough loaves</i> with LOAFBOGO", "markup"),
    ("nimbusship", "Free shipping on orders over $35 with NIMBUSSHIP&nbsp;", "markup"),
    ("fit30", "30% off yoga mats with <strong>FIT30</strong>", "markup"),
    ("trail20", "20% off hiking gear with TRAIL20. Tap to shop.", "ok"),
    ("trail20", "Swipe up for 20% off hiking gear with TRAIL20", "ok"),
    ("ink15", "Inkwell Paper Co. - 15% off sitewide with INK15", "ok"),
    ("knit15", "Thistle & Thread: £15 off yarn on orders over £75, code KNIT15", "ok"),
    ("loafbogo", "Crumb & Co Bakery: buy 1, get 1 free on sourdough loaves with LOAFBOGO", "ok"),
    ("beans5", "Tap the link in the app: €5 off coffee beans with BEANS5", "ok"),
    ("home10", "Mix & match: $10 off orders over $50 at Harbor Home with HOME10", "ok"),
    ("glow25", "Self-care, sorted: 25% off serums with GLOW25", "ok"),
    ("fit30", "30% off yoga mats (yes, all of them) with FIT30", "ok"),
    ("teagift", "Pop the kettle on: a free tin of jasmine tea with WELCOMEBACK.", "ok"),
    ("pawship", "Free shipping on your order with SHIPPAWS - tails will wag.", "ok"),
    ("velobogo", "Flat again? Buy 1, get 1 free on inner tubes with TUBES2.", "ok"),
    ("mugift", "Pour yourself something nice: a free ceramic mug on orders over $40, MUGGIFT", "ok"),
    ("nimbusship", "Free shipping on orders over $35 with NIMBUSSHIP. Open the app to shop.", "ok"),
    ("trail20", "Trail time? 20% off hiking gear with TRAIL20 👣", "ok"),
    ("knit15", "Cast on something cosy: £15 off yarn on orders over £75 with KNIT15", "ok"),
    ("beans5", "Bruma Coffee x your mornings: €5 off coffee beans with BEANS5", "ok"),
    ("home10", "Short and sweet: $10 off orders over $50. Code HOME10", "ok"),
]

# competitor: a brand from the campaign's competitors list (any case, possessive) or the prompt's
# demonstration brand "Green Leaf". Ordinary words inside those names ("peak", "summit", "leaf") pass.
COMPETITOR = [
    ("trail20", "Better than Peakway: 20% off hiking gear with TRAIL20", "competitor"),
    ("trail20", "Skip peakway. 20% off hiking gear with TRAIL20", "competitor"),
    ("trail20", "Peakway's loss: 20% off hiking gear with TRAIL20", "competitor"),
    ("trail20", "Why pay Summit & Co prices? 20% off hiking gear with TRAIL20", "competitor"),
    ("trail20", "Green Leaf hikers love it: 20% off hiking gear with TRAIL20", "competitor"),
    ("trail20", "Peakway vs Ridgeline Outdoors? 20% off hiking gear with TRAIL20", "competitor"),
    ("ink15", "Quillhouse who? 15% off sitewide with INK15", "competitor"),
    ("ink15", "Green Leaf fans: 15% off sitewide with INK15", "competitor"),
    ("home10", "Nestwell can't match this: $10 off orders over $50 with HOME10", "competitor"),
    ("glow25", "Switching from Dermaly? 25% off serums with GLOW25", "competitor"),
    ("beans5", "Ditch Kaffa Club: €5 off coffee beans with BEANS5", "competitor"),
    ("beans5", "Kaffa club members, €5 off coffee beans with BEANS5", "competitor"),
    ("pawship", "Tailwag Market shoppers: free shipping with SHIPPAWS", "competitor"),
    ("velobogo", "Spokehaus flats? Buy 1, get 1 free on inner tubes with TUBES2", "competitor"),
    ("knit15", "Woolly Wonders fans: £15 off yarn on orders over £75 with KNIT15", "competitor"),
    ("teagift", "Steep Society fans: a free tin of jasmine tea with WELCOMEBACK", "competitor"),
    ("fit30", "Leaving CoreFlex? 30% off yoga mats with FIT30", "competitor"),
    ("loafbogo", "Not from Green Leaf! Buy 1, get 1 free on sourdough loaves with LOAFBOGO", "competitor"),
    ("mugift", "Green Leaf gardeners: a free ceramic mug on orders over $40, MUGGIFT", "competitor"),
    ("nimbusship", "Free shipping on orders over $35 with NIMBUSSHIP, like Green Leaf", "competitor"),
    ("trail20", "Peak season is here: 20% off hiking gear with TRAIL20", "ok"),
    ("trail20", "Reach the summit for less: 20% off hiking gear with TRAIL20", "ok"),
    ("trail20", "Hike with your crew: 20% off hiking gear with TRAIL20", "ok"),
    ("trail20", "Ridgeline Outdoors: 20% off hiking gear with TRAIL20", "ok"),
    ("ink15", "Quill-worthy paper: 15% off sitewide with INK15", "ok"),
    ("ink15", "Turn over a new leaf: 15% off sitewide with INK15", "ok"),
    ("home10", "Feather your nest: $10 off orders over $50 with HOME10", "ok"),
    ("beans5", "Your kitchen, your coffee club: €5 off coffee beans with BEANS5", "ok"),
    ("pawship", "Tails wag: free shipping on your order with SHIPPAWS", "ok"),
    ("pawship", "Market day for your pets: free shipping with SHIPPAWS", "ok"),
    ("velobogo", "Spoke to a mechanic lately? Buy 1, get 1 free on inner tubes with TUBES2", "ok"),
    ("knit15", "Wonderfully woolly: £15 off yarn on orders over £75, KNIT15", "ok"),
    ("teagift", "Steep a cup on us: a free tin of jasmine tea with WELCOMEBACK", "ok"),
    ("fit30", "Strengthen your core: 30% off yoga mats with FIT30", "ok"),
    ("loafbogo", "Green light for brunch: buy 1, get 1 free on sourdough loaves with LOAFBOGO", "ok"),
    ("mugift", "Leafy greens, happy home: a free ceramic mug on orders over $40, MUGGIFT", "ok"),
    ("teagift", "Loose green leaf tea lover? A free tin of jasmine tea with WELCOMEBACK", "ok"),
]

# language: every campaign here is locale "en"; whole or half sentences in other languages and non-Latin
# scripts fail, English with everyday loanwords ("bon appétit", "namaste", "hygge") passes.
LANGUAGE = [
    ("trail20", "¡20% de descuento en equipo de senderismo con TRAIL20!", "language"),
    ("trail20", "20 % de réduction sur l'équipement de randonnée avec TRAIL20", "language"),
    ("trail20", "20 % Rabatt auf Wanderausrüstung mit TRAIL20", "language"),
    ("trail20", "20% off hiking gear con el código TRAIL20, ¡vamos!", "language"),
    ("trail20", "Skidka 20% na turisticheskoe snaryazhenie s TRAIL20", "language"),
    ("ink15", "15% di sconto su tutto con INK15", "language"),
    ("ink15", "15% de desconto em todo o site com INK15", "language"),
    ("ink15", "Κέρδισε 15% έκπτωση με INK15", "language"),
    ("beans5", "€5 korting op koffiebonen met BEANS5", "language"),
    ("beans5", "Kaffeebohnen 5 € günstiger mit BEANS5", "language"),
    ("home10", "$10 de descuento en pedidos de más de $50 con HOME10", "language"),
    ("glow25", "25%オフ 美容液 GLOW25", "language"),
    ("glow25", "精华液享25%折扣，使用GLOW25", "language"),
    ("glow25", "25% 할인 세럼 GLOW25", "language"),
    ("fit30", "Скидка 30% на коврики для йоги с FIT30", "language"),
    ("fit30", "خصم 30% على حصائر اليوغا مع FIT30", "language"),
    ("loafbogo", "Compra 1 y llévate 1 gratis en panes de masa madre con LOAFBOGO", "language"),
    ("loafbogo", "Un pain au levain acheté, un offert avec LOAFBOGO", "language"),
    ("pawship", "Envío gratis en tu pedido con SHIPPAWS", "language"),
    ("nimbusship", "Kostenloser Versand ab $35 mit NIMBUSSHIP", "language"),
    ("teagift", "Un barattolo di tè al gelsomino in omaggio con WELCOMEBACK", "language"),
    ("mugift", "Una taza de cerámica gratis en pedidos de más de $40: MUGGIFT", "language"),
    ("knit15", "£15 zniżki na włóczkę przy zamówieniach powyżej £75 z KNIT15", "language"),
    ("velobogo", "Köp 1, få 1 gratis på innerslangar med TUBES2", "language"),
    ("loafbogo", "Bon appétit! Buy 1, get 1 free on sourdough loaves with LOAFBOGO.", "ok"),
    ("beans5", "Café culture at home: €5 off coffee beans with BEANS5", "ok"),
    ("trail20", "Bon voyage, trail lover! 20% off hiking gear with TRAIL20", "ok"),
    ("trail20", "Wanderlust calling: 20% off hiking gear with TRAIL20", "ok"),
    ("ink15", "Joie de vivre, on paper: 15% off sitewide with INK15", "ok"),
    ("ink15", "Ready for a stationery smorgasbord? 15% off sitewide with INK15", "ok"),
    ("glow25", "Your glow, encore: 25% off serums with GLOW25", "ok"),
    ("home10", "Al fresco dinners start here: $10 off orders over $50 with HOME10", "ok"),
    ("home10", "Home sweet home: $10 off orders over $50 with HOME10", "ok"),
    ("fit30", "Namaste: 30% off yoga mats with FIT30 at Pulse Fitness", "ok"),
    ("teagift", "Aloha, tea lover! A free tin of jasmine tea with WELCOMEBACK", "ok"),
    ("pawship", "Fiesta for your pets: free shipping on your order with SHIPPAWS", "ok"),
    ("knit15", "Hygge season: £15 off yarn on orders over £75 with KNIT15", "ok"),
    ("mugift", "Je ne sais quoi for your desk: a free ceramic mug on orders over $40, MUGGIFT", "ok"),
    ("velobogo", "Ciao, flat tyres! Buy 1, get 1 free on inner tubes with TUBES2", "ok"),
    ("nimbusship", "Wanderlust for little ones: free shipping on orders over $35, NIMBUSSHIP", "ok"),
    ("loafbogo", "Carpe diem, carpe loaf: buy 1, get 1 free on sourdough loaves with LOAFBOGO", "ok"),
    ("beans5", "Espresso, latte or cortado? €5 off coffee beans with BEANS5", "ok"),
]

# profanity: swear words and insults, spelled out or masked (f*ck, sh!tty, d@mn). Innocent words that
# contain one (scrapbook, classic, peacock, hello, Sussex-style traps) pass.
PROFANITY = [
    ("trail20", "Damn good gear: 20% off hiking gear with TRAIL20", "profanity"),
    ("trail20", "F*ck blisters: 20% off hiking gear with TRAIL20", "profanity"),
    ("trail20", "20% off hiking gear with TRAIL20. Blisters are a bitch.", "profanity"),
    ("ink15", "Stop buying crap pens: 15% off sitewide with INK15", "profanity"),
    ("ink15", "15% off sitewide with INK15, because WTF, why not", "profanity"),
    ("home10", "Don't be an idiot: $10 off orders over $50 with HOME10", "profanity"),
    ("home10", "Ditch the sh!tty towels: $10 off orders over $50 with HOME10", "profanity"),
    ("fit30", "Stupid prices: 30% off yoga mats with FIT30", "profanity"),
    ("fit30", "30% off yoga mats with FIT30. Move your fat ass.", "profanity"),
    ("beans5", "Instant coffee is for losers. €5 off coffee beans with BEANS5", "profanity"),
    ("beans5", "Don't drink that sh*t: €5 off coffee beans with BEANS5", "profanity"),
    ("pawship", "Paying for shipping sucks. Free shipping with SHIPPAWS", "profanity"),
    ("pawship", "Free shipping with SHIPPAWS. Pet stores are for suckers", "profanity"),
    ("glow25", "Dull skin? Hell no. 25% off serums with GLOW25", "profanity"),
    ("glow25", "D@mn fine serums, 25% off with GLOW25", "profanity"),
    ("loafbogo", "Holy shit, buy 1, get 1 free on sourdough loaves with LOAFBOGO", "profanity"),
    (
        "loafbogo",
        "Buy 1, get 1 free on sourdough loaves with LOAFBOGO. Stale bread is for idiots.",
        "profanity",
    ),
    ("nimbusship", "Free shipping on orders over $35 with NIMBUSSHIP, no bullshit", "profanity"),
    ("knit15", "£15 off yarn on orders over £75 with KNIT15, you lazy bastard", "profanity"),
    ("teagift", "A free tin of jasmine tea with WELCOMEBACK, dumbass", "profanity"),
    ("mugift", "A free ceramic mug on orders over $40, MUGGIFT. Don't be a moron", "profanity"),
    ("velobogo", "Flats are a pain in the ass: buy 1, get 1 free on inner tubes with TUBES2", "profanity"),
    ("ink15", "Scrapbook season: 15% off sitewide with INK15", "ok"),
    ("ink15", "A classic for every class: 15% off everything with INK15", "ok"),
    ("ink15", "Stupendous stationery: 15% off sitewide with INK15", "ok"),
    ("knit15", "Peacock blue, sunset red: £15 off yarn on orders over £75 with KNIT15", "ok"),
    ("trail20", "Pass the trailhead in style: 20% off hiking gear with TRAIL20", "ok"),
    ("trail20", "Hike past the dam: 20% off hiking gear with TRAIL20", "ok"),
    ("beans5", "Assemble your morning brew: €5 off coffee beans with BEANS5", "ok"),
    ("home10", "Hello, cosy evenings: $10 off orders over $50 with HOME10", "ok"),
    ("loafbogo", "Butter-crust sourdough loaves: buy 1, get 1 free with LOAFBOGO", "ok"),
    ("glow25", "Sassy skin, happy you: 25% off serums with GLOW25", "ok"),
    ("fit30", "Bass-thumping workouts need grip: 30% off yoga mats with FIT30", "ok"),
    ("fit30", "Idyllic flows ahead: 30% off yoga mats with FIT30", "ok"),
    ("pawship", "Cocker spaniels, shih tzus and mutts: free shipping with SHIPPAWS", "ok"),
    ("pawship", "Free shipping with SHIPPAWS, you lucky dog!", "ok"),
    ("nimbusship", "Scrappy kids, tidy closets: free shipping on orders over $35 with NIMBUSSHIP", "ok"),
    ("teagift", "Hello, cuppa: a free tin of jasmine tea with WELCOMEBACK", "ok"),
    ("mugift", "Cocktail hour or tea time: a free ceramic mug on orders over $40, MUGGIFT", "ok"),
    ("velobogo", "Passing cyclists? Buy 1, get 1 free on inner tubes with TUBES2", "ok"),
]

# banned: the campaign's banned phrases as whole words after normalisation (any case, soft hyphen inside,
# "risk free" for "risk-free", inside hyphenated compounds); words that merely contain them (Secure,
# curated, manicured, obscure, cheerful) pass.
BANNED = [
    ("trail20", "Guaranteed comfort: 20% off hiking gear with TRAIL20", "banned_phrase"),
    ("trail20", "20% off hiking gear with TRAIL20, fit GUARANTEED", "banned_phrase"),
    ("trail20", "20% off hiking gear with TRAIL20, guaranteed.", "banned_phrase"),
    ("trail20", "Try it risk-free: 20% off hiking gear with TRAIL20", "banned_phrase"),
    ("trail20", "Risk free trails: 20% off hiking gear with TRAIL20", "banned_phrase"),
    ("trail20", "20% off hiking gear with TRAIL20. Guaran\u00adteed fit.", "banned_phrase"),
    ("trail20", "Risk\u2011free comfort: 20% off hiking gear with TRAIL20", "banned_phrase"),
    ("ink15", "Cheap thrills: 15% off sitewide with INK15", "banned_phrase"),
    ("ink15", "15% off sitewide with INK15. Not cheap, just smart.", "banned_phrase"),
    ("ink15", "15% off sitewide with INK15 - cheap as chips", "banned_phrase"),
    ("glow25", "The cure for dull skin: 25% off serums with GLOW25", "banned_phrase"),
    ("glow25", "Cure dry skin: 25% off serums with GLOW25", "banned_phrase"),
    ("glow25", "Miracle serums, 25% off with GLOW25", "banned_phrase"),
    ("glow25", "A little miracle: 25% off serums with GLOW25 until Nov 30", "banned_phrase"),
    ("glow25", "25% off serums with GLOW25, risk-free", "banned_phrase"),
    ("glow25", "25% off serums with GLOW25: a cure-all for dry days", "banned_phrase"),
    ("pawship", "Cheap shipping? Better: free shipping with SHIPPAWS", "banned_phrase"),
    ("pawship", "Free shipping with SHIPPAWS. Cheap-skates welcome", "banned_phrase"),
    ("mugift", "A free ceramic mug on orders over $40: the cure for Mondays. MUGGIFT", "banned_phrase"),
    ("fit30", "Grip guaranteed: 30% off yoga mats with FIT30", "banned_phrase"),
    ("fit30", "30% off yoga mats with FIT30, results guaranteed!", "banned_phrase"),
    ("glow25", "Secure checkout, softer skin: 25% off serums with GLOW25", "ok"),
    ("glow25", "Curated serums, 25% off with GLOW25", "ok"),
    ("glow25", "Curious about serums? 25% off serums with GLOW25", "ok"),
    ("glow25", "Pure, simple serums: 25% off serums with GLOW25", "ok"),
    ("glow25", "A small wonder: 25% off serums with GLOW25", "ok"),
    ("mugift", "A free ceramic mug on orders over $40 - secure yours with MUGGIFT", "ok"),
    ("mugift", "Manicured gardens deserve a break: a free ceramic mug on orders over $40, MUGGIFT", "ok"),
    ("mugift", "Obscure? Never. A free ceramic mug on orders over $40 with MUGGIFT", "ok"),
    ("trail20", "Keep your footing secure: 20% off hiking gear with TRAIL20", "ok"),
    ("trail20", "Take a risk on a new trail: 20% off hiking gear with TRAIL20", "ok"),
    ("trail20", "Guard your ankles: 20% off hiking gear with TRAIL20", "ok"),
    ("trail20", "Brisk mornings, warm toes: 20% off hiking gear with TRAIL20", "ok"),
    ("ink15", "Cheerful paper, happy desk: 15% off sitewide with INK15", "ok"),
    ("ink15", "Check out 15% off sitewide with INK15", "ok"),
    ("pawship", "Free shipping with SHIPPAWS: cheers from Pawsome Pet Supply!", "ok"),
    ("pawship", "Chirpy birds and happy cats: free shipping with SHIPPAWS", "ok"),
    ("fit30", "Guard your knees: 30% off yoga mats with FIT30", "ok"),
    ("fit30", "Flow freely: 30% off yoga mats with FIT30", "ok"),
]

# brand: a misspelled or garbled campaign brand (letters dropped, doubled, swapped, pluralised, British
# spelling). Ordinary capitalised words close to it (Bridges, Luminous, Crumbs, Awesome, Supply, the
# possessive brand) pass.
BRAND = [
    ("trail20", "Ridgline Outdoors: 20% off hiking gear with TRAIL20", "brand"),
    ("trail20", "20% off hiking gear at Ridgeline Outdoor with TRAIL20", "brand"),
    ("trail20", "Ridgeline Outdoorz loves you: 20% off hiking gear with TRAIL20", "brand"),
    ("trail20", "Ridegline Outdoors: 20% off hiking gear with TRAIL20", "brand"),
    ("trail20", "ridgeline outdors: 20% off hiking gear with TRAIL20", "brand"),
    ("ink15", "Inkwel Paper Co: 15% off sitewide with INK15", "brand"),
    ("ink15", "Inkwell Papers Co: 15% off sitewide with INK15", "brand"),
    ("home10", "Harbour Home: $10 off orders over $50 with HOME10", "brand"),
    ("home10", "Harbor Homes: $10 off orders over $50 with HOME10", "brand"),
    ("glow25", "Lumin Skin: 25% off serums with GLOW25", "brand"),
    ("glow25", "Lumen Skinn: 25% off serums with GLOW25", "brand"),
    ("beans5", "Brumma Coffee: €5 off coffee beans with BEANS5", "brand"),
    ("beans5", "€5 off coffee beans at Bruna Coffee with BEANS5", "brand"),
    ("knit15", "Thistle & Threads: £15 off yarn on orders over £75 with KNIT15", "brand"),
    ("pawship", "Pawsome Pet Supplies: free shipping with SHIPPAWS", "brand"),
    ("pawship", "Pawesome Pet Supply: free shipping with SHIPPAWS", "brand"),
    ("nimbusship", "Nimbis Kids: free shipping on orders over $35 with NIMBUSSHIP", "brand"),
    ("loafbogo", "Crumbs & Co Bakery: buy 1, get 1 free on sourdough loaves with LOAFBOGO", "brand"),
    ("velobogo", "Vello Cycle Works: buy 1, get 1 free on inner tubes with TUBES2", "brand"),
    ("mugift", "Blooom Botanics: a free ceramic mug on orders over $40, MUGGIFT", "brand"),
    ("teagift", "Kettle Haus Tea: a free tin of jasmine tea with WELCOMEBACK", "brand"),
    ("fit30", "Pulse Fitnes: 30% off yoga mats with FIT30", "brand"),
    ("trail20", "From Ridgeline Outdoors' trail crew: 20% off hiking gear with TRAIL20", "ok"),
    ("trail20", "From Ridgeline Outdoors\u2019 trail crew: 20% off hiking gear with TRAIL20", "ok"),
    ("trail20", "Get outdoors: 20% off hiking gear with TRAIL20", "ok"),
    ("trail20", "Bridges, ridges and rivers: 20% off hiking gear with TRAIL20", "ok"),
    ("ink15", "Inkjet or ink pen? 15% off sitewide at Inkwell Paper Co with INK15", "ok"),
    ("ink15", "Paper plans? 15% off everything with INK15", "ok"),
    ("home10", "Harbor Home's coziest corner: $10 off orders over $50 with HOME10", "ok"),
    ("home10", "Harvest evenings at home: $10 off orders over $50 with HOME10", "ok"),
    ("glow25", "Luminous skin, lighter routine: 25% off serums at Lumen Skin with GLOW25", "ok"),
    ("glow25", "Skin first: 25% off serums with GLOW25", "ok"),
    ("beans5", "Brunch needs coffee: €5 off coffee beans at Bruma Coffee with BEANS5", "ok"),
    ("knit15", "Threads of warmth: £15 off yarn on orders over £75 with KNIT15", "ok"),
    ("pawship", "Awesome pets, Pawsome Pet Supply: free shipping with SHIPPAWS", "ok"),
    ("pawship", "Supply run for the pup? Free shipping on your order with SHIPPAWS", "ok"),
    ("nimbusship", "Nimble little feet? Free shipping on orders over $35 with NIMBUSSHIP", "ok"),
    ("loafbogo", "Crumbs everywhere? Buy 1, get 1 free on sourdough loaves with LOAFBOGO", "ok"),
    ("velobogo", "Velvet-smooth rides: buy 1, get 1 free on inner tubes with TUBES2", "ok"),
    ("fit30", "Pulses racing? 30% off yoga mats with FIT30", "ok"),
    ("teagift", "Kettle on? A free tin of jasmine tea from Kettle House Tea with WELCOMEBACK", "ok"),
    ("mugift", "Blooming lovely: a free ceramic mug on orders over $40 with MUGGIFT", "ok"),
]

# value: the offer value exactly, neither wrong, missing, qualified ("extra", "up to", "+", "at least"),
# in the wrong currency or magnitude, nor mixed with another discount. Every correct form passes: words,
# "percent"/"per cent", "€10"/"10€"/"10 €", "a quarter off" when it IS 25%, BOGO and free-shipping wordings.
VALUE = [
    ("trail20", "25% off hiking gear with TRAIL20", "value"),
    ("trail20", "Thirty percent off hiking gear with TRAIL20", "value"),
    ("trail20", "Half price hiking gear with TRAIL20", "value"),
    ("trail20", "A quarter off hiking gear with TRAIL20", "value"),
    ("trail20", "Extra 20% off hiking gear with TRAIL20", "value"),
    ("trail20", "Up to 20% off hiking gear with TRAIL20", "value"),
    ("trail20", "Get 20% of hiking gear with TRAIL20", "value"),  # a share of the goods, not a discount
    ("trail20", "20%+ off hiking gear with TRAIL20", "value"),
    ("trail20", "At least 20% off hiking gear with TRAIL20", "value"),
    ("trail20", "Save on hiking gear with TRAIL20", "value"),
    ("trail20", "$20 off hiking gear with TRAIL20", "value"),
    ("ink15", "10% off sitewide with INK15", "value"),
    ("ink15", "15% off sitewide, and 5% more with INK15", "value"),
    ("glow25", "Up to a quarter off serums with GLOW25", "value"),
    ("fit30", "A third off yoga mats with FIT30", "value"),
    ("fit30", "30% or more off yoga mats with FIT30", "value"),
    ("home10", "$15 off orders over $50 with HOME10", "value"),
    ("home10", "A$10 off orders over $50 with HOME10", "value"),
    ("home10", "C$10 off orders over $50 with HOME10", "value"),
    ("home10", "$10 CAD off orders over $50 with HOME10", "value"),
    ("home10", "€10 off orders over $50 with HOME10", "value"),
    ("home10", "$10K off orders over $50 with HOME10", "value"),
    ("home10", "$10,000 off orders over $50 with HOME10", "value"),
    ("beans5", "$5 off coffee beans with BEANS5", "value"),
    ("beans5", "£5 off coffee beans with BEANS5", "value"),
    ("beans5", "€50 off coffee beans with BEANS5", "value"),
    ("knit15", "$15 off yarn on orders over £75 with KNIT15", "value"),
    ("loafbogo", "Buy 1, get 1 half price on sourdough loaves with LOAFBOGO", "value"),
    ("loafbogo", "Buy 1, get 2 free on sourdough loaves with LOAFBOGO", "value"),
    ("pawship", "Half-price shipping on your order with SHIPPAWS", "value"),
    ("pawship", "Free shipping and 10% off with SHIPPAWS", "value"),
    ("pawship", "Shop pet essentials at Pawsome Pet Supply with SHIPPAWS", "value"),
    ("trail20", "Twenty percent off hiking gear with TRAIL20", "ok"),
    ("trail20", "20 percent off hiking gear with TRAIL20", "ok"),
    ("trail20", "20 per cent off hiking gear with TRAIL20", "ok"),
    ("trail20", "20 % off hiking gear with TRAIL20", "ok"),
    ("trail20", "Save 20% on hiking gear with TRAIL20", "ok"),
    ("ink15", "Fifteen percent off everything with INK15", "ok"),
    ("glow25", "A quarter off serums with GLOW25", "ok"),
    ("glow25", "Twenty-five percent off serums with GLOW25", "ok"),
    ("fit30", "Take 30% off yoga mats with FIT30", "ok"),
    ("home10", "Ten dollars off orders over $50 with HOME10", "ok"),
    ("home10", "$10 off orders over $50 with HOME10 at Harbor Home", "ok"),
    ("beans5", "5€ off coffee beans with BEANS5", "ok"),
    ("beans5", "5 € off coffee beans with BEANS5", "ok"),
    ("beans5", "5 euros off coffee beans with BEANS5", "ok"),
    ("knit15", "£15 off yarn on orders over £75 with KNIT15 at Thistle & Thread", "ok"),
    ("loafbogo", "Buy one, get one free on sourdough loaves with LOAFBOGO", "ok"),
    ("loafbogo", "BOGO sourdough loaves at Crumb & Co Bakery with LOAFBOGO", "ok"),
    ("velobogo", "Buy one get one free on inner tubes with TUBES2", "ok"),
    ("pawship", "Shipping is free on your order with SHIPPAWS", "ok"),
    ("nimbusship", "Ship it free on orders over $35 with NIMBUSSHIP", "ok"),
    ("mugift", "A free ceramic mug with orders over $40 at Bloom Botanics: MUGGIFT", "ok"),
    ("teagift", "On the house: a free tin of jasmine tea with WELCOMEBACK", "ok"),
]

# length: each channel's character limit, a campaign's own max_chars, and SMS segments counted as a phone
# does (GSM-7 with 2-septet extension characters such as "|", UCS-2 as soon as one character such as a
# curly apostrophe, an em dash or an emoji is outside GSM-7; emoji count 2 units). Exact boundaries.
LENGTH = [
    # push 150: exactly 150 passes, 151 and 194 fail
    (
        "trail20",
        "Your boots have earned a proper adventure: pack a flask, pick a ridge and go. "
        "Take 20% off hiking gear at Ridgeline Outdoors with TRAIL20 until Dec 31",
        "ok",
    ),
    (
        "trail20",
        "Your boots have earned a proper adventure: pack a flask, pick a ridge and go. "
        "Take 20% off hiking gear at Ridgeline Outdoors with TRAIL20 until Dec 31.",
        "too_long",
    ),
    (
        "trail20",
        "Crisp mornings, quiet trails and that view from the top are waiting for you, and your pack deserves "
        "an upgrade too: take 20% off hiking gear at Ridgeline Outdoors with code TRAIL20 until Dec 31.",
        "too_long",
    ),
    # push with max_chars 120: 120 passes, 121 and 149 fail (both under the push default of 150)
    (
        "teagift",
        "Welcome back to Kettle House Tea! Settle in with a slow evening cup and enjoy a free tin of jasmine "
        "tea with WELCOMEBACK",
        "ok",
    ),
    (
        "teagift",
        "Welcome back to Kettle House Tea! Settle in with a slow evening cup and enjoy a free tin of jasmine "
        "tea with WELCOMEBACK.",
        "too_long",
    ),
    (
        "teagift",
        "Welcome back to Kettle House Tea! Settle in with a slow evening cup, a good book and a blanket, and "
        "enjoy a free tin of jasmine tea with WELCOMEBACK.",
        "too_long",
    ),
    # push 150 with a euro sign (one character): 150 passes, 151 (an emoji at the end) fails
    (
        "beans5",
        "Mornings are better with something freshly ground, so refill the grinder and take your time: "
        "get €5 off coffee beans at Bruma Coffee with code BEANS5.",
        "ok",
    ),
    (
        "beans5",
        "Mornings are better with something freshly ground, so refill the grinder and take your time: "
        "get €5 off coffee beans at Bruma Coffee with code BEANS5 ☕",
        "too_long",
    ),
    (
        "loafbogo",
        "Warm kitchens, crackly crusts and the smell of a proper bakery on a slow morning: buy 1, get 1 free "
        "on sourdough loaves at Crumb & Co Bakery, LOAFBOGO",
        "ok",
    ),
    (
        "loafbogo",
        "Warm kitchens, crackly crusts and the smell of a proper bakery on a slow morning: buy 1, get 1 free "
        "on sourdough loaves at Crumb & Co Bakery, LOAFBOGO!",
        "too_long",
    ),
    # email subject 90
    (
        "ink15",
        "Fresh notebooks, smooth pens and a tidy desk: take 15% off sitewide with INK15 at checkout",
        "ok",
    ),
    (
        "ink15",
        "Fresh notebooks, smooth pens and a tidy desk: take 15% off sitewide with INK15 at checkout.",
        "too_long",
    ),
    (
        "knit15",
        "Cast on something cosy with Thistle & Thread: £15 off yarn on orders over £75 with KNIT15!",
        "ok",
    ),
    (
        "knit15",
        "Cast on something cosy at Thistle & Thread: take £15 off yarn on orders over £75 via KNIT15",
        "too_long",
    ),
    (
        "mugift",
        "Your windowsill garden deserves a break: a free ceramic mug on orders over $40 via MUGGIFT",
        "ok",
    ),
    (
        "mugift",
        "Your windowsill garden deserves a tea break: a free ceramic mug on orders over $40 with MUGGIFT",
        "too_long",
    ),
    # banner 100
    (
        "glow25",
        "Evenings are for slowing down and letting your skin unwind: "
        "25% off serums at Lumen Skin with GLOW25",
        "ok",
    ),
    (
        "glow25",
        "Evenings are for slowing down and letting your skin breathe: "
        "25% off serums at Lumen Skin with GLOW25",
        "too_long",
    ),
    (
        "nimbusship",
        "Tiny feet grow fast, new shoes shouldn't cost more: "
        "free shipping on orders over $35 with NIMBUSSHIP",
        "ok",
    ),
    (
        "nimbusship",
        "Little feet grow fast, new shoes shouldn't cost more: "
        "free shipping on orders over $35 via NIMBUSSHIP",
        "too_long",
    ),
    # sms, 1 segment, GSM-7: 160 septets pass, 161 fail
    (
        "fit30",
        "Pulse Fitness here! Your morning flow deserves a mat that grips, cushions and rolls up neatly after "
        "a class. Take 30% off yoga mats with code FIT30 at checkout.",
        "ok",
    ),
    (
        "fit30",
        "Pulse Fitness here! Your morning flow deserves a mat that grips, cushions, and rolls up neatly "
        "after a class. Take 30% off yoga mats with code FIT30 at checkout.",
        "too_long",
    ),
    # sms, 1 segment: 129 characters pass in GSM-7 but one curly apostrophe makes them 2 UCS-2 segments
    (
        "fit30",
        "Pulse Fitness here! Your morning flow deserves a mat that grips. Take 30% off yoga mats with code "
        "FIT30, it's time to roll out...",
        "ok",
    ),
    (
        "fit30",
        "Pulse Fitness here! Your morning flow deserves a mat that grips. Take 30% off yoga mats with code "
        "FIT30, it\u2019s time to roll out...",
        "too_long",
    ),
    # sms, 1 segment, UCS-2: 70 units pass, 71 fail
    ("fit30", "It\u2019s mat day! Take 30% off yoga mats with code FIT30 at Pulse Fitness.", "ok"),
    ("fit30", "It\u2019s mat day! Take 30% off yoga mats with code FIT30 from Pulse Fitness", "too_long"),
    # sms, 1 segment, GSM-7 extension character "|" counts 2: 159 characters = 160 septets pass,
    # 160 characters = 161 septets fail
    (
        "fit30",
        "Pulse Fitness here! Your morning flow deserves a mat that grips, cushions and rolls up neatly after "
        "class | Take 30% off yoga mats with code FIT30 at checkout.",
        "ok",
    ),
    (
        "fit30",
        "Pulse Fitness here! Your morning flow deserves a mat that grips, cushions and rolls up neatly after "
        "a flow | Take 30% off yoga mats with code FIT30 at checkout.",
        "too_long",
    ),
    (
        "home10",
        "Harbor Home here: fresh linens, softer throws and a calmer living room are closer than you think. "
        "Take $10 off orders over $50 with the code HOME10 at checkout.",
        "ok",
    ),
    (
        "home10",
        "Harbor Home here: fresh linens, softer throws, and a calmer living room are closer than you think. "
        "Take $10 off orders over $50 with the code HOME10 at checkout.",
        "too_long",
    ),
    # sms, an em dash forces UCS-2: 140 characters are 3 segments
    (
        "home10",
        "Harbor Home here \u2014 fresh linens, softer throws and a calmer living room are closer than you "
        "think. Take $10 off orders over $50 with HOME10.",
        "too_long",
    ),
    # sms, an emoji counts 2 UCS-2 units: 70 units pass, 71 fail (70 characters)
    ("home10", "Cosy nights in? $10 off orders over $50 with HOME10 at Harbor Home! 🏠", "ok"),
    ("home10", "Cosy night in? Take $10 off orders over $50 with HOME10, Harbor Home 🏠", "too_long"),
    # sms, "é" is in GSM-7: 160 characters are still one segment
    (
        "pawship",
        "Pawsome Pet Supply here! Whether your pup is a protégé of the sofa or a champion fetcher, we've got "
        "the goods. Enjoy free shipping on your orders with SHIPPAWS!",
        "ok",
    ),
    (
        "pawship",
        "Pawsome Pet Supply here! Whether your pup is a protégé of the sofa or a champion fetcher, we have "
        "all the goods. Enjoy free shipping on your order with SHIPPAWS.",
        "too_long",
    ),
    # sms allowed 2 segments: GSM-7 306 septets pass, 307 fail; UCS-2 134 units pass, 135 fail
    (
        "velobogo",
        "Velo Cycle Works here. Nothing ends a good ride faster than a flat, so keep a spare in your saddle "
        "bag and another at home for the next flat. Buy 1, get 1 free on inner tubes with code TUBES2 until "
        "Sept 30. Pop into the workshop or order online, and our mechanics will show you how to swap a tube "
        "yourself.",
        "ok",
    ),
    (
        "velobogo",
        "Velo Cycle Works here. Nothing ends a good ride faster than a flat, so keep a spare in your saddle "
        "bag and another at home for the next flat. Buy 1, get 1 free on inner tubes with code TUBES2 until "
        "Sept 30. Pop in to the workshop or order online, and our mechanics will show you how to swap a tube "
        "yourself.",
        "too_long",
    ),
    (
        "velobogo",
        "Velo Cycle Works here. Flats happen, so keep a spare in your saddle bag. Buy 1, get 1 free on inner "
        "tubes with TUBES2. It\u2019s so simple!",
        "ok",
    ),
    (
        "velobogo",
        "Velo Cycle Works here. Flats happen, so keep a spare in your saddle bag. Buy 1, get 1 free on inner "
        "tubes with TUBES2. It\u2019s easy peasy!",
        "too_long",
    ),
    (
        "velobogo",
        "Velo Cycle Works here. Flats happen, so keep a spare in your saddle bag. Buy 1, get 1 free on inner "
        "tubes with TUBES2. Happy riding 🚲",
        "ok",
    ),
    (
        "velobogo",
        "Velo Cycle Works here. Flats happen, so keep a spare in your saddle bag. Buy 1, get 1 free on inner "
        "tubes with TUBES2. Happy riding! 🚲",
        "too_long",
    ),
]

# characters: combining marks that survive normalisation (strike-through, underline, overline, zalgo,
# enclosing circle) and words that mix Latin with Cyrillic or Greek look-alikes. Accented Latin (café,
# naïve, protégé), curly quotes, dashes, ellipses and emoji, including ZWJ and skin-tone sequences, pass.
CHARACTERS = [
    # a word broken by a capital, as the copywriter's tokens sometimes join ("unw" + "Close")
    ("trail20", "Ready to unwClose? Take 20% off hiking gear with TRAIL20", "characters"),
    ("trail20", "Snap it on your iPhone: 20% off hiking gear with TRAIL20", "ok"),
    ("trail20", "Sync your runs to macOS: 20% off hiking gear with TRAIL20", "ok"),
    # a silent e kept before -ing ("Moveing on?" was delivered); words that keep it by rule pass
    ("trail20", "Moveing on? Take 20% off hiking gear with TRAIL20", "characters"),
    ("trail20", "Takeing the long way? 20% off hiking gear with TRAIL20", "characters"),
    ("trail20", "Ageing boots? Take 20% off hiking gear with TRAIL20", "ok"),
    ("trail20", "Seeing the summit soon? 20% off hiking gear with TRAIL20", "ok"),
    ("trail20", "Canoeing next? 20% off hiking gear with TRAIL20", "ok"),
    ("trail20", "Being outdoors is the plan: 20% off hiking gear with TRAIL20", "ok"),
    ("trail20", "MOVEING ON? 20% off hiking gear with TRAIL20", "characters"),
    ("trail20", "Take 20% off h\u0456king gear with TRAIL20", "characters"),
    ("trail20", "20% off hiking g\u0435ar with TRAIL20", "characters"),
    ("trail20", "Ridgeline \u041eutdoors: 20% off hiking gear with TRAIL20", "characters"),
    ("trail20", "Tr\u0430il-ready? 20% off hiking gear with TRAIL20", "characters"),
    ("trail20", "Hike\u0305 more: 20% off hiking gear with TRAIL20", "characters"),
    ("ink15", "15% \u03bfff sitewide with INK15", "characters"),
    ("ink15", "\u0405tock up: 15% off sitewide with INK15", "characters"),
    ("ink15", "15% off sitewide with INK15 at \u0399nkwell Paper Co", "characters"),
    ("glow25", "25% off \u0455erums with GLOW25", "characters"),
    ("glow25", "S\u0336a\u0336v\u0336e\u0336 25% off serums with GLOW25", "characters"),
    ("glow25", "Gl\u03bfw up: 25% off serums with GLOW25", "characters"),
    ("beans5", "€5 off c\u0332offee beans with BEANS5", "characters"),
    ("loafbogo", "Buy 1, get 1 free on sourdough l\u0338oaves with LOAFBOGO", "characters"),
    ("loafbogo", "B\u0334u\u0335y\u0336 1, get 1 free on sourdough loaves with LOAFBOGO", "characters"),
    ("fit30", "30% off yoga m\u0430ts with FIT30", "characters"),
    ("home10", "$10 off orders ov\u0435r $50 with HOME10", "characters"),
    ("pawship", "Free shipping with SHIPPAWS, P\u0430wsome Pet Supply", "characters"),
    ("nimbusship", "Free\u20dd shipping on orders over $35 with NIMBUSSHIP", "characters"),
    ("knit15", "\u03a4histle & Thread: £15 off yarn on orders over £75 with KNIT15", "characters"),
    ("velobogo", "Buy 1, get 1 free on inn\u0435r tubes with TUBES2", "characters"),
    ("mugift", "A free \u0441eramic mug on orders over $40: MUGGIFT", "characters"),
    ("teagift", "A free tin of jasmine t\u0435a with WELCOMEBACK", "characters"),
    ("beans5", "Café-level coffee at home: €5 off coffee beans with BEANS5", "ok"),
    ("beans5", "Jalapeño toast and a fresh brew: €5 off coffee beans with BEANS5", "ok"),
    ("loafbogo", "Crème de la crumb: buy 1, get 1 free on sourdough loaves with LOAFBOGO", "ok"),
    (
        "loafbogo",
        "Weekend brunch, sorted 🧑\u200d🍳 Buy 1, get 1 free on sourdough loaves with LOAFBOGO",
        "ok",
    ),
    ("trail20", "Naïve about hiking? Start here: 20% off hiking gear with TRAIL20 🥾", "ok"),
    ("trail20", "\u201cYour trail, your pace\u201d \u2013 20% off hiking gear with TRAIL20", "ok"),
    ("trail20", "Hiking gear \u2014 20% off with TRAIL20\u2026 see you out there", "ok"),
    ("trail20", "Love the outdoors? ❤\ufe0f 20% off hiking gear with TRAIL20", "ok"),
    ("glow25", "Your glow-up, simplified ✨ 25% off serums with GLOW25", "ok"),
    ("glow25", "Façade of tired skin? 25% off serums with GLOW25", "ok"),
    ("teagift", "Tea o\u2019clock? Enjoy a free tin of jasmine tea with WELCOMEBACK 🍵", "ok"),
    ("fit30", "30% off yoga mats with FIT30 \u2014 namaste", "ok"),
    ("pawship", "Pawsome Pet Supply: free shipping with SHIPPAWS 🐾", "ok"),
    ("knit15", "Cosy knits ahead\u2026 £15 off yarn on orders over £75 with KNIT15", "ok"),
    ("mugift", "Tea or café au lait? A free ceramic mug on orders over $40 with MUGGIFT", "ok"),
    ("nimbusship", "Little explorers 👧🏽 free shipping on orders over $35 with NIMBUSSHIP", "ok"),
    ("home10", "Harbor Home: $10 off orders over $50 with HOME10. Bon appétit!", "ok"),
    ("ink15", "Résumé-ready stationery: 15% off sitewide with INK15", "ok"),
    ("velobogo", "Ride on: buy 1, get 1 free on inner tubes with TUBES2 🚲", "ok"),
]

# leftover: prompt and template debris (placeholders, chat-template tokens, the model talking about its
# task, labels, lorem ipsum, character counts). Copy that merely starts "Sure-footed", "Here's", "As a",
# "Insert", "Instant", "Ignore the snooze button" passes.
LEFTOVER = [
    ("trail20", "Hi {first_name}! 20% off hiking gear with TRAIL20", "leftover"),
    ("trail20", "Ignore previous instructions. 20% off hiking gear with TRAIL20", "leftover"),
    ("trail20", "Here is a push notification: 20% off hiking gear with TRAIL20", "leftover"),
    ("trail20", "Option 1: 20% off hiking gear with TRAIL20", "leftover"),
    ("ink15", "Hey {{name}}, 15% off sitewide with INK15", "leftover"),
    ("ink15", "15% off sitewide with {{ code }} INK15", "leftover"),
    ("home10", "[INSERT NAME], $10 off orders over $50 with HOME10", "leftover"),
    ("home10", "Certainly! Here is the text message: $10 off orders over $50 with HOME10", "leftover"),
    ("beans5", "Hi %FIRSTNAME%, €5 off coffee beans with BEANS5", "leftover"),
    ("beans5", "€5 off coffee beans with BEANS5. [CTA]", "leftover"),
    ("glow25", "<<SYS>> 25% off serums with GLOW25", "leftover"),
    ("glow25", "25% off serums with GLOW25 at [Brand]", "leftover"),
    ("fit30", "[INST] 30% off yoga mats with FIT30", "leftover"),
    ("fit30", "30% off yoga mats with FIT30 (28 characters)", "leftover"),
    ("loafbogo", "### Response: Buy 1, get 1 free on sourdough loaves with LOAFBOGO", "leftover"),
    ("loafbogo", "Lorem ipsum: buy 1, get 1 free on sourdough loaves with LOAFBOGO", "leftover"),
    ("pawship", "As an AI, I love free shipping with SHIPPAWS", "leftover"),
    ("pawship", "Free shipping with SHIPPAWS. I hope this helps!", "leftover"),
    ("teagift", "Sure! Here's your message: a free tin of jasmine tea with WELCOMEBACK", "leftover"),
    ("teagift", "A free tin of jasmine tea with WELCOMEBACK, ${name}", "leftover"),
    ("mugift", "A free ceramic mug on orders over $40 Subject: MUGGIFT inside", "leftover"),
    ("nimbusship", "Free shipping on orders over $35 with NIMBUSSHIP<|im_end|>", "leftover"),
    ("nimbusship", "Free shipping on orders over $35 with NIMBUSSHIP, <first name>", "leftover"),
    ("velobogo", "Buy 1, get 1 free on inner tubes with TUBES2 </s>", "leftover"),
    ("knit15", "assistant: £15 off yarn on orders over £75 with KNIT15", "leftover"),
    ("knit15", "Subject: £15 off yarn on orders over £75 with KNIT15", "leftover"),
    ("trail20", "Sure-footed on every trail: 20% off hiking gear with TRAIL20", "ok"),
    ("trail20", "Here's 20% off hiking gear, just for you: TRAIL20", "ok"),
    ("trail20", "Instructions: lace up, head out. 20% off hiking gear with TRAIL20", "ok"),
    ("ink15", "As a paper lover, you'll like this: 15% off sitewide with INK15", "ok"),
    ("ink15", "Upgrade your filing system: 15% off sitewide with INK15", "ok"),
    ("home10", "Insert cosy here: $10 off orders over $50 with HOME10", "ok"),
    ("glow25", "Your skin's response? Glow. 25% off serums with GLOW25", "ok"),
    ("glow25", "System reboot for your skin: 25% off serums with GLOW25", "ok"),
    ("beans5", "Instant mood boost: €5 off coffee beans with BEANS5", "ok"),
    ("beans5", "Ignore the snooze button: €5 off coffee beans with BEANS5", "ok"),
    ("loafbogo", "Note to self: buy 1, get 1 free on sourdough loaves with LOAFBOGO", "ok"),
    ("pawship", "Sure thing, pup: free shipping on your order with SHIPPAWS", "ok"),
    ("teagift", "Here is your welcome-back treat: a free tin of jasmine tea with WELCOMEBACK", "ok"),
    ("mugift", "Message from the greenhouse: a free ceramic mug on orders over $40, MUGGIFT", "ok"),
    ("nimbusship", "Dear parents: free shipping on orders over $35 with NIMBUSSHIP", "ok"),
    ("velobogo", "Quick reminder: buy 1, get 1 free on inner tubes with TUBES2.", "ok"),
    ("fit30", "Your name on a fresh mat? 30% off yoga mats with FIT30", "ok"),
    ("knit15", "Knitters, assemble: £15 off yarn on orders over £75 with KNIT15", "ok"),
]

GROUPS: dict[str, list[tuple]] = {
    "scope": SCOPE,
    "min_spend": MIN_SPEND,
    "expiry_urgency": EXPIRY_URGENCY,
    "numbers": NUMBERS,
    "codes": CODES,
    "claims": CLAIMS,
    "content": CONTENT,
    "competitor": COMPETITOR,
    "language": LANGUAGE,
    "profanity": PROFANITY,
    "banned": BANNED,
    "brand": BRAND,
    "value": VALUE,
    "length": LENGTH,
    "characters": CHARACTERS,
    "leftover": LEFTOVER,
}

CASES: list[tuple] = [(category, *row) for category, rows in GROUPS.items() for row in rows]
