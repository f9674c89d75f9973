"""A holdout set written blind to the gate; measured once, never tuned on.

Eight invented campaigns (a bike shop, a bookstore, a pet groomer, a tea merchant, a hardware store, a
kids' clothing shop, a cosmetics brand and a furniture store) that together cover every offer kind and
every channel, with and without a minimum spend, an expiry date and a scope. `CASES` holds
(campaign_name, text, expected) rows where expected is "ok" (a compliance officer would send it) or
"reject" (it breaks at least one rule: misstated value, scope, minimum spend, code, urgency, invented
claims, links/handles/markup, leftovers, language, competitors, brand spelling, banned phrases, numbers
not from the offer, or the channel's length).

The cases were written from the written rules only, without looking at the gate or its own test suite.
Do not edit them to make the gate pass: a failure here is a measurement, not a bug in the data.
"""

CAMPAIGNS: dict[str, dict] = {
    # percent_off on a category, with expiry, push (150 chars).
    "bike_helmets": {
        "campaign_id": "holdout-bike-01",
        "brand": "Kettle Hill Cycles",
        "offer": {
            "kind": "percent_off",
            "value": 20,
            "code": "RIDE20",
            "expires": "2026-09-30",
            "applies_to": "bike helmets",
        },
        "channel": "push",
        "tone": "energetic",
        "banned_phrases": ["no-brainer"],
        "competitors": ["Pedal Palace", "Velocity Cycles"],
    },
    # amount_off sitewide with a minimum spend, no expiry, email subject (90 chars).
    "book_dollars": {
        "campaign_id": "holdout-books-02",
        "brand": "Marginalia Books",
        "offer": {"kind": "amount_off", "value": 10, "currency": "USD", "code": "READ10", "min_spend": 50},
        "channel": "email_subject",
        "tone": "cozy",
        "banned_phrases": ["must-read"],
        "competitors": ["Bookworm Depot", "Amazon"],
    },
    # gift with a minimum spend and expiry, sms (160 GSM-7 / 70 otherwise).
    "groomer_gift": {
        "campaign_id": "holdout-groom-03",
        "brand": "Pawsh Parlour",
        "offer": {
            "kind": "gift",
            "currency": "GBP",
            "code": "TRIMTIME",
            "min_spend": 40,
            "expires": "2026-10-31",
            "applies_to": "a free nail trim",
        },
        "channel": "sms",
        "tone": "warm",
        "banned_phrases": ["pamper"],
        "competitors": ["Pets at Home"],
    },
    # free_shipping with a minimum spend, no expiry, banner (100 chars).
    "tea_shipping": {
        "campaign_id": "holdout-tea-04",
        "brand": "Leafwell Tea",
        "offer": {"kind": "free_shipping", "currency": "EUR", "code": "STEEPFREE", "min_spend": 30},
        "channel": "banner",
        "banned_phrases": ["detox"],
        "competitors": ["Twinings", "Teavana"],
    },
    # bogo on a category, with expiry, push (150 chars).
    "hardware_bogo": {
        "campaign_id": "holdout-hardware-05",
        "brand": "Brightnail Hardware",
        "offer": {"kind": "bogo", "code": "GRIPBOGO", "expires": "2026-12-31", "applies_to": "work gloves"},
        "channel": "push",
        "tone": "practical",
        "banned_phrases": ["dirt cheap"],
        "competitors": ["Home Depot", "Lowe's"],
    },
    # percent_off sitewide, no minimum, no expiry, sms.
    "kids_sitewide": {
        "campaign_id": "holdout-kids-06",
        "brand": "Little Sprout",
        "offer": {"kind": "percent_off", "value": 15, "code": "SPROUT15"},
        "channel": "sms",
        "tone": "playful",
        "banned_phrases": ["cheap", "bargain"],
        "competitors": ["OshKosh", "Carter's"],
    },
    # amount_off in EUR on a category, with expiry, no minimum, email subject.
    "lipstick_euros": {
        "campaign_id": "holdout-cosmetics-07",
        "brand": "Velvet Fern",
        "offer": {
            "kind": "amount_off",
            "value": 5,
            "currency": "EUR",
            "code": "FERN5",
            "expires": "2026-08-15",
            "applies_to": "lipsticks",
        },
        "channel": "email_subject",
        "tone": "glamorous",
        "banned_phrases": ["flawless", "anti-aging"],
        "competitors": ["Sephora", "Glossier"],
    },
    # percent_off on a category with a minimum spend and expiry, banner.
    "chairs_minspend": {
        "campaign_id": "holdout-furniture-08",
        "brand": "Oakhaven Home",
        "offer": {
            "kind": "percent_off",
            "value": 30,
            "currency": "USD",
            "code": "SIT30",
            "min_spend": 300,
            "expires": "2026-11-30",
            "applies_to": "dining chairs",
        },
        "channel": "banner",
        "banned_phrases": ["once in a lifetime"],
        "competitors": ["IKEA", "Wayfair"],
    },
}

CASES: list[tuple[str, str, str]] = [
    # ------------------------------------------------------------------ bike_helmets (push, 150)
    (
        "bike_helmets",
        "Protect your head for less: 20% off bike helmets at Kettle Hill Cycles with code RIDE20, until Sept "
        "30.",
        "ok",
    ),
    (
        "bike_helmets",
        "New season, new lid? Take 20% off all bike helmets with code RIDE20. Offer ends September 30, 2026.",
        "ok",
    ),
    ("bike_helmets", "🚴 20% off bike helmets! Use RIDE20 at checkout before 30 September.", "ok"),
    (
        "bike_helmets",
        "Your commute deserves a better helmet. Get 20 percent off bike helmets with RIDE20 through 9/30.",
        "ok",
    ),
    (
        "bike_helmets",
        "Kettle Hill Cycles: save 20% on bike helmets with code RIDE20. Valid until 2026-09-30.",
        "ok",
    ),
    (
        "bike_helmets",
        "Still riding with that old helmet? Code RIDE20 takes 20% off bike helmets until Sep 30.",
        "ok",
    ),
    ("bike_helmets", "Twenty percent off bike helmets with code RIDE20 — ends September 30th.", "ok"),
    (
        "bike_helmets",
        "Gear up safely: bike helmets are 20% off with code RIDE20 until September 30. Ride on!",
        "ok",
    ),
    (
        "bike_helmets",
        "Loved your last ride? Keep it safe with 20% off bike helmets. Code: RIDE20, ends Sept 30.",
        "ok",
    ),
    (
        "bike_helmets",
        "Helmet upgrade time 🪖 Enjoy 20% off bike helmets at Kettle Hill Cycles with RIDE20 until 30 Sep "
        "2026.",
        "ok",
    ),
    ("bike_helmets", "Bike helmets, 20% off. Just enter RIDE20 at checkout by September 30.", "ok"),
    (
        "bike_helmets",
        "Ready for the autumn trails? Grab 20% off bike helmets using code RIDE20. Offer valid through Sept. "
        "30.",
        "ok",
    ),
    ("bike_helmets", "Hurry, 20% off bike helmets ends Sept 30! Use code RIDE20.", "ok"),
    (
        "bike_helmets",
        "Time to retire that scratched helmet? 20% off bike helmets with code RIDE20 until September 30 🚲",
        "ok",
    ),
    (
        "bike_helmets",
        "Safety first, savings second: bike helmets are 20% off through 30 Sept with code RIDE20.",
        "ok",
    ),
    ("bike_helmets", "Up to 20% off bike helmets with code RIDE20 until Sept 30.", "reject"),
    ("bike_helmets", "20% off everything at Kettle Hill Cycles with code RIDE20 until Sept 30.", "reject"),
    ("bike_helmets", "20% off bike helmets and gloves with code RIDE20 until Sept 30.", "reject"),
    ("bike_helmets", "20% off bike helmets with code ride20 until Sept 30.", "reject"),
    ("bike_helmets", "20% off bike helmets with code RlDE20 until Sept 30.", "reject"),
    ("bike_helmets", "20% off bike helmets with code RIDE20, ends Sept 25.", "reject"),
    ("bike_helmets", "Tonight only: 20% off bike helmets with code RIDE20!", "reject"),
    (
        "bike_helmets",
        "20% off bike helmets with code RIDE20 until Sept 30, but only a handful left in stock!",
        "reject",
    ),
    ("bike_helmets", "Our best-selling bike helmets are 20% off with code RIDE20 until Sept 30.", "reject"),
    (
        "bike_helmets",
        "20% off bike helmets at Kettle Hill Cycles, way cheaper than Pedal Palace! Code RIDE20, ends Sept "
        "30.",
        "reject",
    ),
    (
        "bike_helmets",
        "20% off bike helmets with code RIDE20 until Sept 30. Shop now: kettlehillcycles.com/helmets",
        "reject",
    ),
    ("bike_helmets", "Kettle Hil Cycles: 20% off bike helmets with code RIDE20 until Sept 30.", "reject"),
    (
        "bike_helmets",
        "20% off bike helmets with code RIDE20 until Sept 30. Don't forget: RIDE20 at checkout!",
        "reject",
    ),
    (
        "bike_helmets",
        "Kit out the family with 4 new lids: 20% off bike helmets with code RIDE20 until Sept 30.",
        "reject",
    ),
    (
        "bike_helmets",
        "20% de descuento en cascos de bicicleta con el código RIDE20 hasta el 30 de septiembre.",
        "reject",
    ),
    (
        "bike_helmets",
        "Whether you're racing the morning commute or cruising weekend trails with friends, now is the "
        "perfect "
        "moment to upgrade: 20% off bike helmets with code RIDE20 until Sept 30.",
        "reject",
    ),
    # ------------------------------------------------------------------ book_dollars (email_subject, 90)
    ("book_dollars", "$10 off your next order of $50 or more with code READ10", "ok"),
    ("book_dollars", "Marginalia Books: take $10 off orders of $50+ with READ10", "ok"),
    ("book_dollars", "Your next read is $10 cheaper: spend $50 and use code READ10", "ok"),
    ("book_dollars", "Stock up your shelf: $10 off when you spend $50 with code READ10 📚", "ok"),
    ("book_dollars", "Save $10 on orders of $50 or more at Marginalia Books. Code READ10", "ok"),
    ("book_dollars", "Ten dollars off a $50 order? Use code READ10 at Marginalia Books", "ok"),
    ("book_dollars", "Finished your last novel? Get $10 off $50+ with code READ10", "ok"),
    ("book_dollars", "A little something for book lovers: $10 off $50 or more, code READ10", "ok"),
    ("book_dollars", "Spend $50, save $10 on your next order with code READ10", "ok"),
    ("book_dollars", "Reading list growing? Save $10 on a $50+ order with code READ10", "ok"),
    ("book_dollars", "$10 off orders of $50 or more. Use READ10 at checkout", "ok"),
    ("book_dollars", "Cozy season is reading season: $10 off $50+ with READ10", "ok"),
    ("book_dollars", "What will you read next? $10 off orders of $50+ with code READ10", "ok"),
    ("book_dollars", "USD 10 off any order of USD 50 or more with code READ10", "ok"),
    ("book_dollars", "Treat yourself to a new story: $10 off orders of $50 or more with code READ10", "ok"),
    ("book_dollars", "Your bookshelf called. $10 off $50+ orders, code READ10", "ok"),
    ("book_dollars", "$10 off your next order with code READ10", "reject"),
    ("book_dollars", "€10 off orders of €50 or more with code READ10", "reject"),
    ("book_dollars", "$10 off cookbooks when you spend $50, code READ10", "reject"),
    ("book_dollars", "Last chance: $10 off orders of $50 or more with code READ10", "reject"),
    ("book_dollars", "$10 off orders of $50+ with code READ10, ends 12/31", "reject"),
    ("book_dollars", "$10 off $50+ with code READ10, plus free returns", "reject"),
    ("book_dollars", "$10 off orders of $50+ with code READ10 or BOOKS5", "reject"),
    ("book_dollars", "$10 off orders of $50+: code READ10 at marginaliabooks.com", "reject"),
    ("book_dollars", "Better prices than Amazon! $10 off $50+ with READ10", "reject"),
    ("book_dollars", "Margnalia Books: $10 off orders of $50+ with code READ10", "reject"),
    ("book_dollars", "{first_name}, take $10 off orders of $50+ with code READ10", "reject"),
    ("book_dollars", "Grab a must-read: $10 off orders of $50+ with code READ10", "reject"),
    ("book_dollars", "<b>$10 off</b> orders of $50+ with code READ10", "reject"),
    ("book_dollars", "**$10 off** orders of $50 or more with code READ10", "reject"),
    (
        "book_dollars",
        "Curl up with a great story this season and save $10 on any order of $50 or more using code READ10",
        "reject",
    ),
    # ------------------------------------------------------------------ groomer_gift (sms)
    (
        "groomer_gift",
        "Pawsh Parlour: book a groom of £40 or more and get a free nail trim. Use code TRIMTIME by 31 "
        "October.",
        "ok",
    ),
    (
        "groomer_gift",
        "Spend £40 or more at Pawsh Parlour and your pup gets a free nail trim! Code TRIMTIME, valid until "
        "Oct 31.",
        "ok",
    ),
    (
        "groomer_gift",
        "Is Biscuit due a groom? Spend £40 or more and get a free nail trim with code TRIMTIME until "
        "31/10/2026.",
        "ok",
    ),
    (
        "groomer_gift",
        "Free nail trim with any appointment of £40 or more. Quote TRIMTIME when booking. Ends October 31, "
        "2026.",
        "ok",
    ),
    (
        "groomer_gift",
        "Fresh cut, tidy paws: get a free nail trim when you spend £40+. Code TRIMTIME, ends 31 Oct.",
        "ok",
    ),
    (
        "groomer_gift",
        "Hi from Pawsh Parlour! Spend £40 and we'll add a free nail trim. Use TRIMTIME before October 31.",
        "ok",
    ),
    (
        "groomer_gift",
        "Time for a tidy-up? A free nail trim is yours when you spend £40 or more. Code TRIMTIME, until "
        "2026-10-31.",
        "ok",
    ),
    (
        "groomer_gift",
        "Treat your dog to a free nail trim on bookings of £40 or more with code TRIMTIME. Offer ends 31st "
        "October.",
        "ok",
    ),
    (
        "groomer_gift",
        "Spend forty pounds or more and get a free nail trim with code TRIMTIME until 31 October.",
        "ok",
    ),
    (
        "groomer_gift",
        "Muddy paws season is here! Spend £40+ and get a free nail trim. Code TRIMTIME, ends Oct 31.",
        "ok",
    ),
    ("groomer_gift", "We’ll add a free nail trim if you spend £40+. TRIMTIME, ends Oct 31", "ok"),
    (
        "groomer_gift",
        "A free nail trim when you spend 40 GBP or more: just use code TRIMTIME by 31 October.",
        "ok",
    ),
    (
        "groomer_gift",
        "Give your dog the full works: spend £40+ and receive a free nail trim. Code TRIMTIME, until October "
        "31.",
        "ok",
    ),
    (
        "groomer_gift",
        "Pawsh Parlour here! Book a groom worth £40 or more and get a free nail trim with code TRIMTIME. "
        "Offer ends 31 Oct 2026.",
        "ok",
    ),
    (
        "groomer_gift",
        "Your pup’s next groom: spend £40 or more and get a free nail trim with code TRIMTIME until 31 "
        "October.",
        "reject",
    ),
    (
        "groomer_gift",
        "🐶 Spend £40 or more and get a free nail trim with code TRIMTIME, valid until 31 October.",
        "reject",
    ),
    ("groomer_gift", "Get a free nail trim with code TRIMTIME until 31 October.", "reject"),
    (
        "groomer_gift",
        "Spend fifty pounds or more and get a free nail trim with code TRIMTIME until 31 October.",
        "reject",
    ),
    (
        "groomer_gift",
        "Spend £40 or more and get a free nail trim and teeth clean with code TRIMTIME until 31 October.",
        "reject",
    ),
    (
        "groomer_gift",
        "Spend £40 or more and get a free blueberry facial with code TRIMTIME until 31 October.",
        "reject",
    ),
    (
        "groomer_gift",
        "Spend £40 or more and get a free nail trim (worth £10) with code TRIMTIME until 31 October.",
        "reject",
    ),
    (
        "groomer_gift",
        "Spend £40 or more and get a free nail trim with code TRIMTIME until 30 November.",
        "reject",
    ),
    (
        "groomer_gift",
        "Spend £40 or more and get a free nail trim with code TrimTime until 31 October.",
        "reject",
    ),
    (
        "groomer_gift",
        "Spend £40 or more and get a free nail trim with code TRIMTIME until 31 October. Call 020 7946 0123 "
        "to book.",
        "reject",
    ),
    (
        "groomer_gift",
        "Spend £40 or more and get a free nail trim with code TRIMTIME until 31 October. Follow us "
        "@pawshparlour",
        "reject",
    ),
    (
        "groomer_gift",
        "Let us pamper your pup: spend £40+ and get a free nail trim with code TRIMTIME until 31 October.",
        "reject",
    ),
    (
        "groomer_gift",
        "Pawsh Parlor: spend £40 or more and get a free nail trim with code TRIMTIME until 31 October.",
        "reject",
    ),
    (
        "groomer_gift",
        "Spend £40 or more and get a free nail trim with code TRIMTIME until 31 October. Better than Pets at "
        "Home!",
        "reject",
    ),
    (
        "groomer_gift",
        "Autumn walks mean muddy paws, so book a full groom at Pawsh Parlour this month: spend £40 or more "
        "and "
        "we'll add a free nail trim with code TRIMTIME until 31 October.",
        "reject",
    ),
    # ------------------------------------------------------------------ tea_shipping (banner, 100)
    ("tea_shipping", "Free shipping on orders of €30 or more with code STEEPFREE", "ok"),
    ("tea_shipping", "Spend €30, ship for free: use STEEPFREE at checkout 🍵", "ok"),
    ("tea_shipping", "Restock your favourite oolong with free shipping on €30+ orders. Code STEEPFREE", "ok"),
    ("tea_shipping", "Leafwell Tea: free delivery on orders of €30 or more with code STEEPFREE", "ok"),
    ("tea_shipping", "Free shipping when you spend 30 EUR or more. Code STEEPFREE", "ok"),
    ("tea_shipping", "Running low? Free shipping on orders of €30+ with STEEPFREE", "ok"),
    ("tea_shipping", "Orders of €30 or more ship free with code STEEPFREE", "ok"),
    ("tea_shipping", "Free shipping on €30+ orders at Leafwell Tea – code STEEPFREE", "ok"),
    ("tea_shipping", "Kettle on? Enjoy free shipping on orders of €30 or more with code STEEPFREE.", "ok"),
    ("tea_shipping", "Thirty euros or more in your basket? Shipping is free with code STEEPFREE", "ok"),
    ("tea_shipping", "Free shipping on any order of €30 or more. Just use code STEEPFREE.", "ok"),
    ("tea_shipping", "Stock up and skip the shipping fee: €30+ orders ship free with STEEPFREE", "ok"),
    ("tea_shipping", "Leafwell Tea ships free on orders of €30 or more. Use STEEPFREE ☕", "ok"),
    ("tea_shipping", "Free shipping on orders of €30 or more. Use code STEEPFREE at checkout.", "ok"),
    ("tea_shipping", "Tea time made easy: free shipping on €30+ orders with STEEPFREE", "ok"),
    ("tea_shipping", "Free shipping on all orders with code STEEPFREE", "reject"),
    ("tea_shipping", "Free shipping on orders of €25 or more with code STEEPFREE", "reject"),
    ("tea_shipping", "Free express shipping on orders of €30+ with code STEEPFREE", "reject"),
    ("tea_shipping", "Free shipping on green tea orders of €30+ with code STEEPFREE", "reject"),
    ("tea_shipping", "Free shipping on orders of €30+ with code STEEPFREE, ends Sunday!", "reject"),
    ("tea_shipping", "Free shipping on orders of €30+ with code STEEPFR33", "reject"),
    ("tea_shipping", "Free shipping on orders of €30+ with code steepfree", "reject"),
    ("tea_shipping", "Free shipping on €30+ with STEEPFREE, plus a free sample tin", "reject"),
    ("tea_shipping", "Free shipping on €30+ with STEEPFREE. Fresher than Twinings!", "reject"),
    ("tea_shipping", "Free shipping on €30+ orders with STEEPFREE. Try our detox blends!", "reject"),
    ("tea_shipping", "Leafwel Tea: free shipping on €30+ orders with STEEPFREE", "reject"),
    (
        "tea_shipping",
        "Free shipping on €30+ orders with STEEPFREE. Questions? hello@leafwelltea.com",
        "reject",
    ),
    ("tea_shipping", "Livraison gratuite dès 30 € avec le code STEEPFREE", "reject"),
    ("tea_shipping", "Free shipping on €30+ orders with STEEPFREE from the #1 tea shop in Europe", "reject"),
    ("tea_shipping", "Free shipping on orders of €30+ with code STEEPFREE, delivered in 2 days", "reject"),
    (
        "tea_shipping",
        "Your cupboard deserves fresh leaves: enjoy free shipping on every order of €30 or more with code "
        "STEEPFREE",
        "reject",
    ),
    # ------------------------------------------------------------------ hardware_bogo (push, 150)
    ("hardware_bogo", "Buy one pair of work gloves, get one free with code GRIPBOGO. Ends Dec 31.", "ok"),
    (
        "hardware_bogo",
        "Brightnail Hardware: buy one, get one free on work gloves. Use GRIPBOGO by December 31, 2026.",
        "ok",
    ),
    (
        "hardware_bogo",
        "Hands full this winter? Work gloves are buy one, get one free with code GRIPBOGO until 12/31.",
        "ok",
    ),
    ("hardware_bogo", "BOGO work gloves! Enter GRIPBOGO at checkout before 31 December.", "ok"),
    (
        "hardware_bogo",
        "Grab a pair of work gloves and get a second pair free. Code GRIPBOGO, valid through Dec 31.",
        "ok",
    ),
    (
        "hardware_bogo",
        "Tough jobs ahead? Buy one pair of work gloves, get another free with GRIPBOGO until 2026-12-31.",
        "ok",
    ),
    ("hardware_bogo", "🧤 Work gloves: buy one, get one free. Code GRIPBOGO, ends December 31st.", "ok"),
    (
        "hardware_bogo",
        "One for you, one for your crew: work gloves are BOGO with code GRIPBOGO until Dec 31.",
        "ok",
    ),
    (
        "hardware_bogo",
        "Finishing that deck project? Buy one, get one free on work gloves with code GRIPBOGO through 31 Dec "
        "2026.",
        "ok",
    ),
    ("hardware_bogo", "Buy 1 pair of work gloves, get 1 free with code GRIPBOGO until Dec 31.", "ok"),
    (
        "hardware_bogo",
        "Stock the toolbox: work gloves are buy one get one free at Brightnail Hardware with GRIPBOGO until "
        "Dec 31.",
        "ok",
    ),
    (
        "hardware_bogo",
        "Your hands will thank you. Buy one pair of work gloves, get one free with code GRIPBOGO until "
        "December 31.",
        "ok",
    ),
    (
        "hardware_bogo",
        "Winter prep made easy: work gloves are buy one, get one free with GRIPBOGO until 31/12/2026.",
        "ok",
    ),
    (
        "hardware_bogo",
        "Need gloves for the whole crew? Work gloves are BOGO with GRIPBOGO at Brightnail Hardware, ends Dec "
        "31.",
        "ok",
    ),
    ("hardware_bogo", "Buy one, get one 50% off on work gloves with code GRIPBOGO until Dec 31.", "reject"),
    (
        "hardware_bogo",
        "Buy one, get one free on work gloves and safety glasses with code GRIPBOGO until Dec 31.",
        "reject",
    ),
    ("hardware_bogo", "Buy one, get one free on work boots with code GRIPBOGO until Dec 31.", "reject"),
    (
        "hardware_bogo",
        "Buy two pairs of work gloves, get one free with code GRIPBOGO until Dec 31.",
        "reject",
    ),
    (
        "hardware_bogo",
        "Buy one, get one free on work gloves with code GRIPBOGO until Dec 31, while supplies last!",
        "reject",
    ),
    ("hardware_bogo", "Buy one, get one free on work gloves with code GR1PBOGO until Dec 31.", "reject"),
    (
        "hardware_bogo",
        "Buy one, get one free on work gloves with code GRIPBOGO until Dec 31 on orders over $25.",
        "reject",
    ),
    (
        "hardware_bogo",
        "Buy one, get one free on work gloves with code GRIPBOGO until Dec 31. Try finding that at Home "
        "Depot!",
        "reject",
    ),
    (
        "hardware_bogo",
        "Buy one, get one free on our award-winning work gloves with code GRIPBOGO until Dec 31.",
        "reject",
    ),
    (
        "hardware_bogo",
        "Buy one, get one free on work gloves with code GRIPBOGO until Dec 31. A dirt cheap way to gear up.",
        "reject",
    ),
    (
        "hardware_bogo",
        "Brightnail Hardwear: buy one, get one free on work gloves with code GRIPBOGO until Dec 31.",
        "reject",
    ),
    (
        "hardware_bogo",
        "Buy one, get one free on work gloves until Dec 31. Use GRIPBOGO or GLOVES10 at checkout.",
        "reject",
    ),
    ("hardware_bogo", "Buy one, get one free on work gloves with code [CODE] until Dec 31.", "reject"),
    (
        "hardware_bogo",
        "As an AI, I can't check stock, but work gloves are buy one, get one free with code GRIPBOGO until "
        "Dec 31.",
        "reject",
    ),
    (
        "hardware_bogo",
        "Buy one, get one free on work gloves with code GRIPBOGO until Dec 31. Only idiots pay full price.",
        "reject",
    ),
    # ------------------------------------------------------------------ kids_sitewide (sms)
    ("kids_sitewide", "Little Sprout: 15% off everything for your little ones with code SPROUT15.", "ok"),
    (
        "kids_sitewide",
        "Growing fast? Take 15% off the whole store with code SPROUT15 at Little Sprout.",
        "ok",
    ),
    ("kids_sitewide", "15% off sitewide at Little Sprout! Use code SPROUT15 at checkout.", "ok"),
    ("kids_sitewide", "New term, new outfits: enjoy 15% off your order with code SPROUT15.", "ok"),
    ("kids_sitewide", "Outgrown their jeans again? Save 15% on your whole order with SPROUT15.", "ok"),
    (
        "kids_sitewide",
        "Fifteen percent off everything at Little Sprout with code SPROUT15. Happy shopping!",
        "ok",
    ),
    ("kids_sitewide", "Hi from Little Sprout! Your next order is 15% off with code SPROUT15.", "ok"),
    ("kids_sitewide", "Little Sprout treat: 15% off your entire order, code SPROUT15.", "ok"),
    ("kids_sitewide", "Play clothes, party clothes, pyjamas: it's all 15% off with code SPROUT15.", "ok"),
    ("kids_sitewide", "Dress them for the season for less: 15% off sitewide with code SPROUT15.", "ok"),
    ("kids_sitewide", "Need a few new outfits? Use code SPROUT15 for 15% off everything.", "ok"),
    ("kids_sitewide", "Use SPROUT15 for 15% off your next Little Sprout order.", "ok"),
    ("kids_sitewide", "It’s 15% off everything with code SPROUT15.", "ok"),
    ("kids_sitewide", "Rainy day? Browse Little Sprout and save 15% on everything with code SPROUT15.", "ok"),
    ("kids_sitewide", "Something new for your little explorer: 15% off everything with code SPROUT15.", "ok"),
    (
        "kids_sitewide",
        "Save 15% on your whole Little Sprout order when you use code SPROUT15 at checkout.",
        "ok",
    ),
    (
        "kids_sitewide",
        "It’s back-to-school time: enjoy 15% off everything at Little Sprout with code SPROUT15.",
        "reject",
    ),
    ("kids_sitewide", "15% off kids' shoes with code SPROUT15.", "reject"),
    ("kids_sitewide", "Up to 15% off everything with code SPROUT15.", "reject"),
    ("kids_sitewide", "20% off everything with code SPROUT15.", "reject"),
    ("kids_sitewide", "Hurry! 15% off everything with code SPROUT15.", "reject"),
    ("kids_sitewide", "15% off everything with code SPROUT15, ends October 15.", "reject"),
    ("kids_sitewide", "15% off everything with code SPR0UT15.", "reject"),
    ("kids_sitewide", "15% off everything at Little Sprout, no code needed!", "reject"),
    ("kids_sitewide", "15% off everything plus free shipping with code SPROUT15.", "reject"),
    ("kids_sitewide", "15% off everything with code SPROUT15. Cheap never looked this cute!", "reject"),
    ("kids_sitewide", "Litle Sprout: 15% off everything with code SPROUT15.", "reject"),
    ("kids_sitewide", "15% off everything with code SPROUT15. Shop at littlesprout.co", "reject"),
    ("kids_sitewide", "15% off everything with code SPROUT15, in sizes 2 to 10.", "reject"),
    ("kids_sitewide", "Extra 15% off sale items with code SPROUT15.", "reject"),
    (
        "kids_sitewide",
        "Little Sprout news: our cosy autumn range has landed and everything in store is 15% off with code "
        "SPROUT15. Jumpers, raincoats, wellies and pyjamas for little adventurers!",
        "reject",
    ),
    # ------------------------------------------------------------------ lipstick_euros (email_subject, 90)
    ("lipstick_euros", "€5 off lipsticks with code FERN5 until 15 August", "ok"),
    ("lipstick_euros", "Velvet Fern: €5 off lipsticks with code FERN5, ends Aug 15", "ok"),
    ("lipstick_euros", "Your new signature lipstick is €5 off 💄 Code FERN5 until 15/08", "ok"),
    ("lipstick_euros", "Save €5 on lipsticks at Velvet Fern with FERN5 through August 15, 2026", "ok"),
    ("lipstick_euros", "Bold lips for less: €5 off lipsticks, code FERN5, ends 2026-08-15", "ok"),
    ("lipstick_euros", "Five euros off lipsticks? Yes, with code FERN5 until 15 August", "ok"),
    ("lipstick_euros", "Time for a new red? Take €5 off lipsticks with code FERN5 by Aug 15", "ok"),
    ("lipstick_euros", "5 EUR off lipsticks with code FERN5, valid until 15 Aug 2026", "ok"),
    ("lipstick_euros", "Summer shades: €5 off all lipsticks with code FERN5 until Aug 15", "ok"),
    ("lipstick_euros", "Pucker up! €5 off lipsticks with FERN5 until August 15th", "ok"),
    ("lipstick_euros", "Your lipstick wishlist just got €5 cheaper with code FERN5 (ends 15 August)", "ok"),
    ("lipstick_euros", "Velvet Fern lipsticks, now €5 off with code FERN5 until 15 August", "ok"),
    ("lipstick_euros", "Treat your lips: €5 off lipsticks with code FERN5, offer ends 15.08.2026", "ok"),
    ("lipstick_euros", "A new lipstick for summer? €5 off lipsticks with code FERN5 until 15 Aug", "ok"),
    ("lipstick_euros", "Velvet Fern: save €5 on any lipstick with FERN5, ends August 15", "ok"),
    ("lipstick_euros", "€5 off everything with code FERN5 until 15 August", "reject"),
    ("lipstick_euros", "$5 off lipsticks with code FERN5 until 15 August", "reject"),
    ("lipstick_euros", "From €5 off lipsticks with code FERN5 until 15 August", "reject"),
    ("lipstick_euros", "5% off lipsticks with code FERN5 until 15 August", "reject"),
    ("lipstick_euros", "€5 off lipsticks when you spend €25, code FERN5, until 15 August", "reject"),
    ("lipstick_euros", "€5 off lipsticks with code FERN5 until 15 August: selling out fast!", "reject"),
    ("lipstick_euros", "€5 off lipsticks with code FERN5, ends tonight!", "reject"),
    ("lipstick_euros", "€5 off lipsticks with code FERNS until 15 August", "reject"),
    ("lipstick_euros", "€5 off dermatologist-approved lipsticks with code FERN5 until 15 August", "reject"),
    ("lipstick_euros", "€5 off lipsticks for a flawless pout, code FERN5, until 15 August", "reject"),
    ("lipstick_euros", "Velvet Firn: €5 off lipsticks with code FERN5 until 15 August", "reject"),
    ("lipstick_euros", "€5 off lipsticks with code FERN5 until 15 August 😍 #lipgoals", "reject"),
    ("lipstick_euros", "Subject: €5 off lipsticks with code FERN5 until 15 August", "reject"),
    ("lipstick_euros", "€5 off 2 lipsticks with code FERN5 until 15 August", "reject"),
    (
        "lipstick_euros",
        "Meet your new favourite shade: take €5 off every Velvet Fern lipstick with code FERN5 until 15 "
        "August",
        "reject",
    ),
    # ------------------------------------------------------------------ chairs_minspend (banner, 100)
    ("chairs_minspend", "30% off dining chairs on orders of $300+ with code SIT30. Ends Nov 30.", "ok"),
    (
        "chairs_minspend",
        "Oakhaven Home: 30% off dining chairs when you spend $300 or more. SIT30, until 30 Nov.",
        "ok",
    ),
    (
        "chairs_minspend",
        "Hosting this year? Spend $300+ and get 30% off dining chairs. Code SIT30, ends 11/30.",
        "ok",
    ),
    (
        "chairs_minspend",
        "Pull up a chair: 30% off dining chairs on $300+ orders with SIT30 until November 30",
        "ok",
    ),
    (
        "chairs_minspend",
        "Thirty percent off dining chairs when you spend $300 or more. Use SIT30 by Nov 30.",
        "ok",
    ),
    (
        "chairs_minspend",
        "Seat everyone for less 🪑 30% off dining chairs, $300 min. spend, code SIT30, ends Nov 30",
        "ok",
    ),
    (
        "chairs_minspend",
        "Save 30% on dining chairs with a $300 minimum spend. Code SIT30 until 2026-11-30.",
        "ok",
    ),
    (
        "chairs_minspend",
        "Dining chairs: 30% off orders of $300 or more with SIT30 through November 30.",
        "ok",
    ),
    (
        "chairs_minspend",
        "Refresh your dining room: 30% off dining chairs on $300+ orders. SIT30, ends 30 Nov.",
        "ok",
    ),
    (
        "chairs_minspend",
        "Spend $300, take 30% off dining chairs at Oakhaven Home. Code SIT30, ends Nov 30.",
        "ok",
    ),
    (
        "chairs_minspend",
        "Comfy seats, happy guests: 30% off dining chairs on $300+ orders with SIT30 until Nov 30",
        "ok",
    ),
    (
        "chairs_minspend",
        "30% off dining chairs when you spend USD 300 or more. Code SIT30, valid to Nov 30, 2026.",
        "ok",
    ),
    (
        "chairs_minspend",
        "Wobbly chairs? Get 30% off dining chairs when you spend $300+ with SIT30 until Nov 30",
        "ok",
    ),
    (
        "chairs_minspend",
        "Upgrade your table's seating: 30% off dining chairs on $300+ orders, code SIT30, ends 30 November",
        "ok",
    ),
    ("chairs_minspend", "30% off all furniture on orders of $300+ with code SIT30. Ends Nov 30.", "reject"),
    ("chairs_minspend", "30% off dining chairs and tables on $300+ with code SIT30. Ends Nov 30.", "reject"),
    ("chairs_minspend", "30% off dining chairs with code SIT30. Ends Nov 30.", "reject"),
    ("chairs_minspend", "30% off dining chairs on orders of $500+ with code SIT30. Ends Nov 30.", "reject"),
    ("chairs_minspend", "35% off dining chairs on $300+ orders with code SIT30. Ends Nov 30.", "reject"),
    ("chairs_minspend", "$30 off dining chairs on $300+ orders with code SIT30. Ends Nov 30.", "reject"),
    ("chairs_minspend", "30% off dining chairs on $300+ orders with code SIT30. Ends Sunday!", "reject"),
    ("chairs_minspend", "30% off dining chairs on $300+ orders with code S1T30. Ends Nov 30.", "reject"),
    (
        "chairs_minspend",
        "30% off dining chairs on $300+ with SIT30 + free white-glove delivery. Ends Nov 30.",
        "reject",
    ),
    (
        "chairs_minspend",
        "30% off dining chairs on $300+ orders with code SIT30. Ends Nov 30. Only 6 sets left!",
        "reject",
    ),
    (
        "chairs_minspend",
        "A once in a lifetime deal: 30% off dining chairs on $300+ with SIT30, ends Nov 30",
        "reject",
    ),
    ("chairs_minspend", "Oakhaven Homes: 30% off dining chairs on $300+ with SIT30, ends Nov 30", "reject"),
    (
        "chairs_minspend",
        "30% off dining chairs on $300+ with SIT30, ends Nov 30. Seats 8 comfortably.",
        "reject",
    ),
    ("chairs_minspend", "[Banner] 30% off dining chairs on $300+ with SIT30, ends Nov 30", "reject"),
    (
        "chairs_minspend",
        "30% off dining chairs on $300+ with SIT30 until Nov 30. Sit down, damn it!",
        "reject",
    ),
    (
        "chairs_minspend",
        "Gather round the table in style this season: 30% off dining chairs on orders of $300 or more with "
        "SIT30, "
        "ends Nov 30",
        "reject",
    ),
]
