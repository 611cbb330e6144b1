"""Built-in functions of four domains about money and numbers: banking, shop, travel and maths."""

from __future__ import annotations

from ratchet.suites.toolcall.domains_everyday import CITIES, PEOPLE
from ratchet.suites.toolcall.library import array, date, enum, fn, integer, number, string

ACCOUNTS = ("checking", "savings", "credit")
PAYEES = ("City Power", "Aqua Water", "FiberNet", "Green Insurance", "Metro Rent", "Phone Plus")
CURRENCIES = ("USD", "EUR", "GBP", "JPY", "CAD", "INR", "CHF")
PRODUCTS = ("wireless headphones", "running shoes", "coffee grinder", "yoga mat", "desk lamp",
            "backpack", "water bottle", "phone charger")
PRODUCT_IDS = ("SKU-10442", "SKU-20817", "SKU-33109", "SKU-47720", "SKU-51236", "SKU-68004")
ORDER_IDS = ("ORD-88123", "ORD-90417", "ORD-73351", "ORD-61290", "ORD-55802")
COUPONS = ("SPRING10", "WELCOME5", "FREESHIP", "SAVE20", "VIP15")
AIRPORTS = ("JFK", "LHR", "CDG", "NRT", "SYD", "GRU", "DXB", "SFO", "FRA", "NBO")
FLIGHTS = ("BA 117", "AF 22", "LH 400", "QF 12", "UA 901", "EK 203")
BOOKINGS = ("BK-4471", "BK-5902", "BK-6188", "BK-7035", "BK-8820")
UNITS = ("km", "miles", "kg", "pounds", "liters", "gallons", "celsius", "fahrenheit")

BANKING = (
    fn("banking", "get_balance", "Balance of one account",
       {"account": enum("Account", ACCOUNTS)},
       ("check my {account} balance", "tell me how much is in my {account} account", "show the balance of my {account} account")),
    fn("banking", "transfer_money", "Move money between own accounts",
       {"from_account": enum("Source account", ACCOUNTS), "to_account": enum("Target account", ACCOUNTS),
        "amount": number("Amount", 10, 5000, money=True)},
       ("transfer {amount} from {from_account} to {to_account}", "move {amount} from my {from_account} account into {to_account}",
        "put {amount} into {to_account} from {from_account}")),
    fn("banking", "pay_bill", "Pay a bill to a payee on a date",
       {"payee": string("Payee name", PAYEES), "amount": number("Amount", 10, 2000, money=True), "date": date("Payment day")},
       ("pay {payee} {amount} on {date}", "schedule a payment of {amount} to {payee} for {date}",
        "set up the {payee} bill, {amount}, to go out on {date}")),
    fn("banking", "list_transactions", "Transactions of an account between two dates",
       {"account": enum("Account", ACCOUNTS), "start_date": date("First day"), "end_date": date("Last day")},
       ("list my {account} transactions from {start_date} to {end_date}",
        "show what went through {account} between {start_date} and {end_date}")),
    fn("banking", "freeze_card", "Freeze a card by its last four digits",
       {"card_last4": string("Last four digits", ("4821", "0397", "7710", "5546", "1289"), compare="exact")},
       ("freeze my card ending in {card_last4}", "block the card that ends with {card_last4}",
        "lock card {card_last4}")),
    fn("banking", "send_payment", "Send money to a person",
       {"recipient": string("Person", PEOPLE), "amount": number("Amount", 5, 1000, money=True),
        "note": string("Note for the recipient", ("rent", "dinner", "concert tickets", "birthday gift", "taxi"), compare="text")},
       ("send {recipient} {amount}", "pay {recipient} {amount} for {note}", "give {recipient} {amount} with the note {note}"),
       optional=("note",)),
)

SHOP = (
    fn("shop", "search_products", "Search the shop",
       {"query": string("What to look for", PRODUCTS), "max_price": number("Highest price", 10, 500, money=True)},
       ("search for {query}", "find {query} under {max_price}", "look for {query} that cost at most {max_price}"),
       optional=("max_price",)),
    fn("shop", "add_to_cart", "Add a product to the cart",
       {"product_id": string("Product id", PRODUCT_IDS, compare="upper"), "quantity": integer("How many", 1, 10, default=1)},
       ("add {quantity} of {product_id} to my cart", "put {product_id} in the cart", "get {quantity} units of {product_id} into my basket"),
       optional=("quantity",)),
    fn("shop", "track_order", "Where an order is",
       {"order_id": string("Order id", ORDER_IDS, compare="upper")},
       ("track order {order_id}", "find out where my order {order_id} is", "check the delivery status of {order_id}")),
    fn("shop", "return_item", "Start a return for an order",
       {"order_id": string("Order id", ORDER_IDS, compare="upper"),
        "reason": enum("Why", ("damaged", "wrong size", "not as described", "changed my mind"))},
       ("return order {order_id} because it is {reason}", "start a return for {order_id}, reason: {reason}",
        "send back {order_id}, {reason}")),
    fn("shop", "apply_coupon", "Apply a coupon code to the cart",
       {"code": string("Coupon code", COUPONS, compare="upper")},
       ("apply the coupon {code}", "use code {code} on my cart", "redeem {code}")),
    fn("shop", "cancel_order", "Cancel an order",
       {"order_id": string("Order id", ORDER_IDS, compare="upper")},
       ("cancel order {order_id}", "call off order {order_id}, I no longer want it", "stop order {order_id}")),
)

TRAVEL = (
    fn("travel", "search_flights", "Search flights between two airports",
       {"origin": string("Origin airport code", AIRPORTS, compare="upper"),
        "destination": string("Destination airport code", AIRPORTS, compare="upper"),
        "date": date("Departure day"), "passengers": integer("Number of travellers", 1, 6, default=1)},
       ("find flights from {origin} to {destination} on {date}",
        "search for {passengers} seats from {origin} to {destination} on {date}",
        "look up flights {origin} to {destination} departing {date} for {passengers} people"),
       optional=("passengers",)),
    fn("travel", "book_hotel", "Book a hotel room",
       {"city": string("City", CITIES), "check_in": date("Arrival day"), "check_out": date("Departure day"),
        "guests": integer("Guests", 1, 4, default=1)},
       ("book a hotel in {city} from {check_in} to {check_out}",
        "reserve a room in {city} for {guests} guests, checking in {check_in} and out {check_out}"),
       optional=("guests",)),
    fn("travel", "rent_car", "Rent a car",
       {"city": string("Pickup city", CITIES), "pickup_date": date("Pickup day"), "days": integer("Rental days", 1, 14)},
       ("rent a car in {city} from {pickup_date} for {days} days", "get me a car in {city} for {days} days starting {pickup_date}")),
    fn("travel", "get_flight_status", "Status of a flight",
       {"flight_number": string("Flight number", FLIGHTS, compare="upper")},
       ("check the status of flight {flight_number}", "see whether {flight_number} is on time", "track flight {flight_number}")),
    fn("travel", "cancel_booking", "Cancel a travel booking",
       {"booking_id": string("Booking reference", BOOKINGS, compare="upper")},
       ("cancel booking {booking_id}", "drop my reservation {booking_id}")),
    fn("travel", "find_restaurants", "Find restaurants in a city",
       {"city": string("City", CITIES), "cuisine": enum("Cuisine", ("italian", "japanese", "mexican", "indian", "vegan", "thai"))},
       ("find {cuisine} restaurants in {city}", "show me where to eat {cuisine} food in {city}",
        "recommend a {cuisine} place in {city}")),
)

MATHS = (
    fn("maths", "percentage_of", "A percentage of a value",
       {"percent": number("Percent", 1, 99), "value": number("Value", 10, 10000)},
       ("work out {percent}% of {value}", "tell me what {percent} percent of {value} is", "calculate {percent}% of {value}")),
    fn("maths", "convert_units", "Convert a quantity between units",
       {"value": number("Quantity", 1, 500), "from_unit": enum("From unit", UNITS), "to_unit": enum("To unit", UNITS)},
       ("convert {value} {from_unit} to {to_unit}", "express {value} {from_unit} in {to_unit}", "change {value} {from_unit} into {to_unit}")),
    fn("maths", "loan_payment", "Monthly payment of a fixed-rate loan",
       {"principal": number("Amount borrowed", 1000, 500000, money=True), "annual_rate": number("Interest rate in percent", 1, 15),
        "years": integer("Term in years", 1, 30)},
       ("compute the monthly payment on {principal} at {annual_rate}% over {years} years",
        "estimate my monthly repayment for a {years}-year loan of {principal} at {annual_rate} percent")),
    fn("maths", "greatest_common_divisor", "Greatest common divisor of two integers",
       {"a": integer("First integer", 2, 500), "b": integer("Second integer", 2, 500)},
       ("find the gcd of {a} and {b}", "get the greatest common divisor of {a} and {b}")),
    fn("maths", "compute_statistic", "A statistic of a list of numbers",
       {"numbers": array("The numbers", (3, 7, 12, 18, 25, 4, 9, 31), item_type="number"),
        "statistic": enum("Which statistic", ("mean", "median", "max", "min"))},
       ("compute the {statistic} of {numbers}", "give me the {statistic} of these numbers: {numbers}")),
    fn("maths", "round_number", "Round a number to some decimal places",
       {"value": number("Number", 1, 1000), "decimals": integer("Decimal places", 0, 4)},
       ("round {value} to {decimals} decimal places", "give {value} rounded to {decimals} places")),
)

MONEY = BANKING + SHOP + TRAVEL + MATHS
