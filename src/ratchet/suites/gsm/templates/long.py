"""Templates with five or six steps."""

from ratchet.suites.gsm.template import Step, Template, span
from ratchet.suites.gsm.words import (
    CHARITIES, CITIES, FLOORS, JUICES, NAMES, PASTRIES, STATIONERY,
)

FIVE_STEPS = (
    Template(
        name="school_supplies",
        topic="shopping",
        story=(
            "{name} buys {n_pens} pens at ${pen} each, {n_books} {stationery} at ${book} each "
            "and a calculator for ${calculator}. At the register, {name} uses a ${coupon} "
            "coupon. How much does {name} pay?"
        ),
        numbers={
            "n_pens": span(3, 10), "pen": span(1, 3), "n_books": span(2, 6), "book": span(2, 7),
            "calculator": span(12, 30), "coupon": (5, 10),
        },
        words={"name": NAMES, "stationery": STATIONERY},
        steps=(
            Step("pens", "n_pens * pen", "The pens cost {calc} dollars."),
            Step("books", "n_books * book", "The {stationery} cost {calc} dollars."),
            Step("supplies", "pens + books", "Together they cost {calc} dollars."),
            Step("total", "supplies + calculator", "With the calculator that is {calc} dollars."),
            Step("paid", "total - coupon", "After the coupon {name} pays {calc} dollars."),
        ),
    ),
    Template(
        name="marathon_plan",
        topic="sports",
        story=(
            "{name} wants to run {goal} kilometers this season. For {weeks} weeks, {name} runs "
            "{short} kilometers on each of {runs} weekdays and one long run of {long} "
            "kilometers on Sunday. The rest of the distance is spread evenly over the last "
            "{days} days of the season. How many kilometers a day must {name} run then?"
        ),
        numbers={
            "short": span(3, 8), "runs": (2, 3, 4, 5), "long": span(10, 21), "weeks": span(3, 8),
            "days": span(5, 12), "per_day": span(4, 12),
        },
        words={"name": NAMES},
        derived={"goal": "weeks * (short * runs + long) + days * per_day"},
        steps=(
            Step("weekdays", "short * runs", "On weekdays {name} runs {calc} kilometers a week."),
            Step("week", "weekdays + long", "With the long run a week has {calc} kilometers."),
            Step("done", "week * weeks", "In {weeks} weeks {name} runs {calc} kilometers."),
            Step("left", "goal - done", "{calc} kilometers of the goal remain."),
            Step("daily", "left / days", "{name} must run {calc} kilometers a day."),
        ),
    ),
    Template(
        name="farm_eggs",
        topic="business",
        story=(
            "{name} keeps {hens} hens, and each hen lays {eggs} eggs a week. Each week "
            "{name}'s family eats {kept} eggs, and {name} sells the rest in cartons of 12 for "
            "${price} a carton. How much money does {name} make from eggs in {weeks} weeks?"
        ),
        numbers={
            "hens": span(6, 20), "eggs": span(4, 6), "cartons": span(2, 8),
            "price": (3, 4, 5, 6), "weeks": span(2, 6),
        },
        words={"name": NAMES},
        derived={"kept": "hens * eggs - 12 * cartons"},
        require=("kept >= 2", "kept <= 20"),
        steps=(
            Step("laid", "hens * eggs", "The hens lay {calc} eggs a week."),
            Step("sold", "laid - kept", "{name} sells {calc} eggs a week."),
            Step("cartons_sold", "sold / 12", "That fills {calc} cartons."),
            Step("weekly", "cartons_sold * price", "{name} makes {calc} dollars a week."),
            Step("total", "weekly * weeks", "In {weeks} weeks that is {calc} dollars."),
        ),
    ),
    Template(
        name="raised_beds",
        topic="areas",
        story=(
            "{name} builds {beds} raised garden beds, each {length} m long and {width} m wide. "
            "Every square meter needs {bags_per} bags of soil, and a bag costs ${price}. {name} "
            "has a budget of ${budget}. How much of the budget is left after buying the soil?"
        ),
        numbers={
            "beds": span(2, 5), "length": span(2, 4), "width": (1, 2), "bags_per": (2, 3, 4),
            "price": span(3, 9), "budget": (200, 250, 300, 400, 500),
        },
        words={"name": NAMES},
        steps=(
            Step("area", "length * width", "One bed covers {calc} square meters."),
            Step("total_area", "area * beds", "All the beds cover {calc} square meters."),
            Step("bags", "total_area * bags_per", "{name} needs {calc} bags of soil."),
            Step("cost", "bags * price", "The soil costs {calc} dollars."),
            Step("left", "budget - cost", "{calc} dollars of the budget are left."),
        ),
    ),
    Template(
        name="cinema_snacks",
        topic="shopping",
        story=(
            "Cinema tickets cost ${adult} for adults and ${child} for children. {name} buys "
            "tickets for {n_adults} adults and {n_children} children, and {n_popcorn} bags of "
            "popcorn at ${popcorn} each. How much does {name} spend in total?"
        ),
        numbers={
            "adult": span(9, 16), "child": span(5, 8), "n_adults": span(2, 4),
            "n_children": span(2, 5), "n_popcorn": span(2, 4), "popcorn": span(3, 7),
        },
        words={"name": NAMES},
        steps=(
            Step("adults", "n_adults * adult", "Adult tickets cost {calc} dollars."),
            Step("children", "n_children * child", "Children's tickets cost {calc} dollars."),
            Step("tickets", "adults + children", "All the tickets cost {calc} dollars."),
            Step("snacks", "n_popcorn * popcorn", "The popcorn costs {calc} dollars."),
            Step("total", "tickets + snacks", "In total {name} spends {calc} dollars."),
        ),
    ),
    Template(
        name="juice_glasses",
        topic="unit conversions",
        story=(
            "{name} buys {bottles} bottles of {juice} for a picnic, each holding {liters} "
            "liters. The juice is poured into glasses of {glass} milliliters. {name} drinks "
            "{drunk} glasses, and the rest are shared equally among {people} friends. How many "
            "glasses does each friend get?"
        ),
        numbers={
            "bottles": span(2, 6), "liters": (2, 3), "glass": (200, 250, 500),
            "drunk": span(2, 3), "people": span(2, 8),
        },
        words={"name": NAMES, "juice": JUICES},
        steps=(
            Step("total_liters", "bottles * liters", "There are {calc} liters of {juice}."),
            Step("milliliters", "total_liters * 1000", "That is {calc} milliliters."),
            Step("glasses", "milliliters / glass", "It fills {calc} glasses."),
            Step("left", "glasses - drunk", "{calc} glasses are left for the friends."),
            Step("each", "left / people", "Each friend gets {calc} glasses."),
        ),
    ),
    Template(
        name="tiling_floor",
        topic="areas",
        story=(
            "{name} is tiling a {floor} floor that is {length} meters long and {width} meters "
            "wide. One box of tiles covers {cover} square meters and costs ${price}. {name} "
            "buys {extra} extra boxes in case some tiles break, and has a ${coupon} discount "
            "coupon. How much does {name} pay for the tiles?"
        ),
        numbers={
            "length": span(2, 8), "width": span(2, 6), "cover": (2, 3, 4),
            "price": span(15, 45, 5), "extra": (2, 3), "coupon": (5, 10, 15),
        },
        words={"name": NAMES, "floor": FLOORS},
        steps=(
            Step("area", "length * width", "The floor is {calc} square meters."),
            Step("boxes", "area / cover", "It needs {calc} boxes."),
            Step("bought", "boxes + extra", "With the spares {name} buys {calc} boxes."),
            Step("cost", "bought * price", "They cost {calc} dollars."),
            Step("paid", "cost - coupon", "With the coupon {name} pays {calc} dollars."),
        ),
    ),
    Template(
        name="overtime_pay",
        topic="work",
        story=(
            "{name} earns ${wage} an hour for the first 40 hours of a week and ${extra} more "
            "per hour for every hour after that. Last week {name} worked {hours} hours. How "
            "much did {name} earn last week?"
        ),
        numbers={"wage": span(12, 25), "extra": (3, 4, 5, 6, 8, 10), "hours": span(42, 55)},
        words={"name": NAMES},
        steps=(
            Step("overtime", "hours - 40", "{name} worked {calc} hours of overtime."),
            Step("regular", "40 * wage", "The first 40 hours pay {calc} dollars."),
            Step("overtime_rate", "wage + extra", "Overtime pays {calc} dollars an hour."),
            Step("overtime_pay", "overtime * overtime_rate", "Overtime earns {calc} dollars."),
            Step("total", "regular + overtime_pay", "In total {name} earned {calc} dollars."),
        ),
    ),
)

SIX_STEPS = (
    Template(
        name="party_pizza",
        topic="sharing",
        story=(
            "{name} is having a party for {guests} guests. Everyone at the party, including "
            "{name}, will get {slices} slices of pizza, and each pizza is cut into {per_pizza} "
            "slices. Pizzas cost ${price} each, and {name} splits the bill equally with "
            "{helpers} friends. How much does each of them pay?"
        ),
        numbers={
            "guests": span(5, 19), "slices": (2, 3), "per_pizza": (6, 8, 12),
            "price": span(8, 16), "helpers": span(2, 4),
        },
        words={"name": NAMES},
        steps=(
            Step("people", "guests + 1", "Counting {name}, {calc} people are at the party."),
            Step("slices_needed", "people * slices", "They eat {calc} slices."),
            Step("pizzas", "slices_needed / per_pizza", "That is {calc} pizzas."),
            Step("cost", "pizzas * price", "The pizzas cost {calc} dollars."),
            Step("payers", "helpers + 1", "{calc} people share the bill."),
            Step("each", "cost / payers", "Each of them pays {calc} dollars."),
        ),
    ),
    Template(
        name="road_trip_fuel",
        topic="travel",
        story=(
            "On a three-day road trip, {name} drives {day1} kilometers on the first day. On the "
            "second day {name} drives {more} kilometers more than on the first day, and on the "
            "third day {less} kilometers less than on the second day. The car uses one liter "
            "of fuel per {km_per_liter} kilometers, and fuel costs ${price} a liter. How much "
            "does the fuel for the trip cost?"
        ),
        numbers={
            "day1": span(150, 400, 10), "more": span(20, 100, 10), "less": span(30, 150, 10),
            "km_per_liter": (10, 12, 15, 20), "price": (1, 2),
        },
        words={"name": NAMES},
        steps=(
            Step("day2", "day1 + more", "On day two {name} drives {calc} kilometers."),
            Step("day3", "day2 - less", "On day three {name} drives {calc} kilometers."),
            Step("first_two", "day1 + day2", "The first two days cover {calc} kilometers."),
            Step("total", "first_two + day3", "The whole trip is {calc} kilometers."),
            Step("liters", "total / km_per_liter", "It uses {calc} liters of fuel."),
            Step("cost", "liters * price", "The fuel costs {calc} dollars."),
        ),
    ),
    Template(
        name="bookstore_restock",
        topic="work",
        story=(
            "A bookstore has {shelves} shelves with {per_shelf} books on each. On Monday it "
            "sells {monday} books, and on Tuesday it sells twice as many as on Monday. On "
            "Wednesday a delivery arrives with {boxes} boxes of {per_box} books each. How many "
            "books does the store have after the delivery?"
        ),
        numbers={
            "shelves": span(8, 20), "per_shelf": span(20, 40), "monday": span(15, 60),
            "boxes": span(3, 10), "per_box": span(12, 30),
        },
        steps=(
            Step("stock", "shelves * per_shelf", "At first the store has {calc} books."),
            Step("tuesday", "monday * 2", "On Tuesday it sells {calc} books."),
            Step("sold", "monday + tuesday", "In two days it sells {calc} books."),
            Step("left", "stock - sold", "{calc} books are left."),
            Step("delivered", "boxes * per_box", "The delivery brings {calc} books."),
            Step("now", "left + delivered", "Now the store has {calc} books."),
        ),
    ),
    Template(
        name="orchard_sales",
        topic="business",
        story=(
            "{name}'s orchard has {rows} rows of {per_row} apple trees, and each tree gives "
            "{apples} apples this season. {name} sells the apples in bags of {bag} for ${price} "
            "a bag and pays ${rent} to rent a market stall. {name} splits the profit equally "
            "with a business partner. How much does each of them get?"
        ),
        numbers={
            "rows": span(3, 8), "per_row": span(5, 12), "apples": span(20, 60, 5),
            "bag": (5, 10, 20), "price": span(2, 6), "rent": span(20, 100, 10),
        },
        words={"name": NAMES},
        steps=(
            Step("trees", "rows * per_row", "The orchard has {calc} trees."),
            Step("apples_total", "trees * apples", "They give {calc} apples."),
            Step("bags", "apples_total / bag", "That fills {calc} bags."),
            Step("revenue", "bags * price", "The bags sell for {calc} dollars."),
            Step("profit", "revenue - rent", "After the rent the profit is {calc} dollars."),
            Step("each", "profit / 2", "Each partner gets {calc} dollars."),
        ),
    ),
    Template(
        name="ages_three",
        topic="ages",
        story=(
            "{a} is {age} years old. {b} is {times} times as old as {a}, and {c} is {younger} "
            "years younger than {b}. What will the sum of their three ages be in {years} years?"
        ),
        numbers={
            "age": span(3, 12), "times": (2, 3, 4), "younger": span(2, 9), "years": span(2, 10),
        },
        words={"a": NAMES, "b": NAMES, "c": NAMES},
        require=("c_age >= 1",),
        steps=(
            Step("b_age", "age * times", "{b} is {calc} years old."),
            Step("c_age", "b_age - younger", "{c} is {calc} years old."),
            Step("two", "age + b_age", "{a} and {b} together are {calc} years old."),
            Step("now", "two + c_age", "All three together are {calc} years old now."),
            Step("added", "years * 3", "Three people, {years} years each: {calc} more."),
            Step("future", "now + added", "The sum will be {calc} years."),
        ),
    ),
    Template(
        name="bake_sale",
        topic="sharing",
        story=(
            "{name}'s class bakes {batches} batches of {per_batch} {pastry} for a bake sale and "
            "keeps {kept} of them for the teachers. The rest are sold in packs of {pack} for "
            "${price} a pack. The ingredients cost ${cost}, and the profit is shared equally "
            "among {count} {charity}. How much does each get?"
        ),
        numbers={
            "batches": span(3, 8), "per_batch": (12, 18, 24), "kept": span(2, 12),
            "pack": (3, 4, 6), "price": span(3, 8), "cost": span(10, 40, 5), "count": (2, 3, 4),
        },
        words={"name": NAMES, "pastry": PASTRIES, "charity": CHARITIES},
        steps=(
            Step("baked", "batches * per_batch", "The class bakes {calc} {pastry}."),
            Step("for_sale", "baked - kept", "{calc} {pastry} are for sale."),
            Step("packs", "for_sale / pack", "They make {calc} packs."),
            Step("revenue", "packs * price", "The packs sell for {calc} dollars."),
            Step("profit", "revenue - cost", "The profit is {calc} dollars."),
            Step("each", "profit / count", "Each gets {calc} dollars."),
        ),
    ),
    Template(
        name="trip_budget",
        topic="travel",
        story=(
            "{name} and {friend} go on a {nights}-night trip to {city}. Their hotel room costs "
            "${hotel} a night, and they split it equally. {name} also spends ${food} a day on "
            "food for {days} days and ${train} on train tickets. {name} saved ${saved} for the "
            "trip. How much of it is left after the trip?"
        ),
        numbers={
            "nights": span(2, 7), "hotel": span(60, 160, 10), "food": span(15, 40, 5),
            "train": span(30, 120, 10), "saved": (600, 800, 1000, 1200),
        },
        words={"name": NAMES, "friend": NAMES, "city": CITIES},
        derived={"days": "nights + 1"},
        steps=(
            Step("hotel_total", "hotel * nights", "The hotel costs {calc} dollars."),
            Step("share", "hotel_total / 2", "{name}'s half is {calc} dollars."),
            Step("food_total", "food * days", "Food costs {calc} dollars."),
            Step("stay", "share + food_total", "Hotel and food come to {calc} dollars."),
            Step("spent", "stay + train", "With the train {name} spends {calc} dollars."),
            Step("left", "saved - spent", "{calc} dollars are left."),
        ),
    ),
    Template(
        name="paint_rooms",
        topic="work",
        story=(
            "{name} is painting {rooms} bedrooms. Each bedroom has 4 walls, and every wall is "
            "{wall_width} meters wide and {height} meters high. One can of paint covers "
            "{cover} square meters and costs ${price}. {name} already has {have} cans. How much "
            "will the rest of the paint cost?"
        ),
        numbers={
            "rooms": span(2, 4), "wall_width": span(3, 6), "height": (2, 3),
            "cover": (6, 8, 10, 12), "price": span(18, 40), "have": span(2, 4),
        },
        words={"name": NAMES},
        steps=(
            Step("wall", "wall_width * height", "One wall is {calc} square meters."),
            Step("room", "wall * 4", "One bedroom has {calc} square meters of wall."),
            Step("area", "room * rooms", "All the bedrooms have {calc} square meters."),
            Step("cans", "area / cover", "That takes {calc} cans."),
            Step("to_buy", "cans - have", "{name} must buy {calc} cans."),
            Step("cost", "to_buy * price", "They cost {calc} dollars."),
        ),
    ),
)
