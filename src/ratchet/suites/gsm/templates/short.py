"""Templates with two or three steps."""

from ratchet.suites.gsm.template import Step, Template, span
from ratchet.suites.gsm.words import (
    BAGS, CITIES, CROPS, FRUITS, GADGETS, INSTRUMENTS, NAMES, PASTRIES, RELATIVES, SCHOOLS,
    STATIONERY,
)

TWO_STEPS = (
    Template(
        name="fruit_baskets",
        topic="shopping",
        story=(
            "{name} buys {baskets} baskets of {fruit} at the market. Each basket holds "
            "{per_basket} {fruit}. On the way home, {name} eats {eaten} of them. "
            "How many {fruit} does {name} have left?"
        ),
        numbers={"baskets": span(2, 9), "per_basket": span(4, 15), "eaten": span(1, 6)},
        words={"name": NAMES, "fruit": FRUITS},
        steps=(
            Step("bought", "baskets * per_basket", "{name} buys {calc} {fruit}."),
            Step("left", "bought - eaten", "{name} has {calc} {fruit} left."),
        ),
    ),
    Template(
        name="reading_pages",
        topic="reading",
        story=(
            "{name}'s new book has {pages} pages. {name} reads {per_day} pages every day for "
            "{days} days. How many pages does {name} still have to read?"
        ),
        numbers={"pages": span(150, 480, 10), "per_day": span(8, 30), "days": span(3, 9)},
        words={"name": NAMES},
        steps=(
            Step("read", "per_day * days", "In {days} days {name} reads {calc} pages."),
            Step("left", "pages - read", "{name} still has {calc} pages to read."),
        ),
    ),
    Template(
        name="savings_weeks",
        topic="savings",
        story=(
            "{name} wants to buy a {gadget} that costs ${cost}. {name} has already saved "
            "${saved} and puts away ${weekly} every week. How many weeks will it take {name} "
            "to save enough?"
        ),
        numbers={"saved": span(10, 90, 5), "weekly": span(5, 40, 5), "plan": span(3, 15)},
        words={"name": NAMES, "gadget": GADGETS},
        derived={"cost": "saved + weekly * plan"},
        steps=(
            Step("needed", "cost - saved", "{name} still needs {calc} dollars."),
            Step("weeks", "needed / weekly", "At {weekly} dollars a week that is {calc} weeks."),
        ),
    ),
    Template(
        name="class_groups",
        topic="school",
        story=(
            "{school} School has {classes} classes with {per_class} students in each class. "
            "For a museum trip, the teachers split all the students into groups of {group}. "
            "How many groups are there?"
        ),
        numbers={"classes": span(3, 8), "per_class": span(18, 32), "group": (4, 5, 6, 8)},
        words={"school": SCHOOLS},
        steps=(
            Step("students", "classes * per_class", "The school has {calc} students."),
            Step("groups", "students / group", "They make {calc} groups."),
        ),
    ),
    Template(
        name="parent_age",
        topic="ages",
        story=(
            "{name} is {age} years old. {name}'s {relative} is {times} times as old as {name}. "
            "How old was the {relative} when {name} was born?"
        ),
        numbers={"age": span(6, 15), "times": (3, 4, 5)},
        words={"name": NAMES, "relative": RELATIVES},
        require=("relative_age >= age + 20",),
        steps=(
            Step("relative_age", "age * times", "The {relative} is {calc} years old."),
            Step("at_birth", "relative_age - age", "At {name}'s birth the {relative} was {calc}."),
        ),
    ),
    Template(
        name="fence_perimeter",
        topic="areas",
        story=(
            "{name}'s rectangular vegetable garden is {length} meters long and {width} meters "
            "wide. How many meters of fence does {name} need to go all the way around it?"
        ),
        numbers={"length": span(6, 30), "width": span(3, 20)},
        words={"name": NAMES},
        require=("width < length",),
        steps=(
            Step("half", "length + width", "One length and one width make {calc} meters."),
            Step("fence", "half * 2", "The fence runs along two of each: {calc} meters."),
        ),
    ),
    Template(
        name="practice_minutes",
        topic="unit conversions",
        story=(
            "{name} practices the {instrument} for {hours} hours and {minutes} minutes on "
            "Saturday. How many minutes does {name} practice in total?"
        ),
        numbers={"hours": span(2, 5), "minutes": span(5, 55, 5)},
        words={"name": NAMES, "instrument": INSTRUMENTS},
        steps=(
            Step("from_hours", "hours * 60", "{hours} hours are {calc} minutes."),
            Step("total", "from_hours + minutes", "In total {name} practices {calc} minutes."),
        ),
    ),
    Template(
        name="sticker_album",
        topic="sharing",
        story=(
            "{name} has {stickers} stickers and gives {given} of them to {friend}. {name} puts "
            "the rest into an album, the same number on each of its {pages} pages. How many "
            "stickers go on each page?"
        ),
        numbers={"given": span(3, 25), "pages": span(4, 12), "per_page": span(3, 15)},
        words={"name": NAMES, "friend": NAMES},
        derived={"stickers": "given + pages * per_page"},
        steps=(
            Step("kept", "stickers - given", "{name} keeps {calc} stickers."),
            Step("each_page", "kept / pages", "Each page gets {calc} stickers."),
        ),
    ),
)

THREE_STEPS = (
    Template(
        name="bakery_boxes",
        topic="recipes",
        story=(
            "{name} bakes {trays} trays of {pastry} with {per_tray} {pastry} on each tray. "
            "{name} keeps {kept} for the family and packs the rest into boxes of {box}. "
            "How many boxes does {name} fill?"
        ),
        numbers={
            "trays": span(2, 6), "per_tray": span(6, 24), "kept": span(2, 10), "box": (4, 6, 8, 12),
        },
        words={"name": NAMES, "pastry": PASTRIES},
        steps=(
            Step("baked", "trays * per_tray", "{name} bakes {calc} {pastry}."),
            Step("to_pack", "baked - kept", "{calc} {pastry} are left to pack."),
            Step("boxes", "to_pack / box", "{name} fills {calc} boxes."),
        ),
    ),
    Template(
        name="stationery_change",
        topic="shopping",
        story=(
            "{name} buys {count} {stationery} for ${price} each and a new {bag} for "
            "${bag_price}. {name} pays with a ${bill} bill. How much change does {name} get?"
        ),
        numbers={
            "count": span(2, 6), "price": span(2, 9), "bag_price": span(12, 35), "bill": (50, 100),
        },
        words={"name": NAMES, "stationery": STATIONERY, "bag": BAGS},
        steps=(
            Step("items", "count * price", "The {stationery} cost {calc} dollars."),
            Step("total", "items + bag_price", "With the {bag}, {name} spends {calc} dollars."),
            Step("change", "bill - total", "The change is {calc} dollars."),
        ),
    ),
    Template(
        name="road_trip_left",
        topic="travel",
        story=(
            "{name} is driving to {city}, a trip of {trip} kilometers. {name} drives for "
            "{hours1} hours before lunch and {hours2} hours after lunch, always at {speed} "
            "kilometers per hour. How many kilometers are still left?"
        ),
        numbers={
            "speed": span(50, 100, 5), "hours1": span(2, 4), "hours2": span(2, 4),
            "rest": span(20, 200, 10),
        },
        words={"name": NAMES, "city": CITIES},
        derived={"trip": "speed * (hours1 + hours2) + rest"},
        steps=(
            Step("hours", "hours1 + hours2", "{name} drives for {calc} hours."),
            Step("driven", "hours * speed", "In that time {name} covers {calc} kilometers."),
            Step("left", "trip - driven", "{calc} kilometers are left."),
        ),
    ),
    Template(
        name="painters_together",
        topic="work rates",
        story=(
            "{name} can paint {rate} fence panels in an hour. {friend} is faster and paints "
            "{more} more panels an hour than {name}. Working together, how many hours will "
            "they need to paint {panels} panels?"
        ),
        numbers={"rate": span(2, 8), "more": span(2, 6), "hours": span(2, 9)},
        words={"name": NAMES, "friend": NAMES},
        derived={"panels": "(2 * rate + more) * hours"},
        steps=(
            Step("friend_rate", "rate + more", "{friend} paints {calc} panels an hour."),
            Step("together", "rate + friend_rate", "Together they paint {calc} panels an hour."),
            Step("hours_needed", "panels / together", "They need {calc} hours."),
        ),
    ),
    Template(
        name="garden_harvest",
        topic="garden",
        story=(
            "{name} plants {rows} rows of {crop[plant]} plants with {per_row} plants in each "
            "row. Rabbits eat {eaten} of the plants, and every plant that is left gives "
            "{per_plant} {crop[crop]}. How many {crop[crop]} does {name} harvest?"
        ),
        numbers={
            "rows": span(3, 9), "per_row": span(4, 12), "eaten": span(2, 9),
            "per_plant": span(3, 12),
        },
        words={"name": NAMES, "crop": CROPS},
        steps=(
            Step("planted", "rows * per_row", "{name} plants {calc} plants."),
            Step("survived", "planted - eaten", "{calc} plants are left."),
            Step("harvest", "survived * per_plant", "They give {calc} {crop[crop]}."),
        ),
    ),
    Template(
        name="pizza_sharing",
        topic="sharing",
        story=(
            "{name} orders {pizzas} pizzas, and each one is cut into {slices} slices. {name} "
            "shares them equally with {friends} friends. How many slices does each person get?"
        ),
        numbers={"pizzas": span(2, 6), "slices": (6, 8, 10, 12), "friends": span(2, 7)},
        words={"name": NAMES},
        steps=(
            Step("total", "pizzas * slices", "There are {calc} slices."),
            Step("people", "friends + 1", "Counting {name}, there are {calc} people."),
            Step("each", "total / people", "Each person gets {calc} slices."),
        ),
    ),
    Template(
        name="phone_plan",
        topic="bills",
        story=(
            "{name}'s phone plan costs ${base} a month, plus ${per_gb} for every gigabyte of "
            "data beyond the plan. Each month {name} uses {over} gigabytes more than the plan "
            "allows. How much does {name} pay for the phone over {months} months?"
        ),
        numbers={
            "base": span(15, 45), "per_gb": span(2, 10), "over": span(2, 8), "months": span(2, 12),
        },
        words={"name": NAMES},
        steps=(
            Step("extra", "per_gb * over", "The extra data costs {calc} dollars a month."),
            Step("monthly", "base + extra", "One month costs {calc} dollars."),
            Step("total", "monthly * months", "Over {months} months {name} pays {calc} dollars."),
        ),
    ),
    Template(
        name="water_tank",
        topic="work rates",
        story=(
            "A tank holds {liters} liters of water. A hose fills it at {rate} liters per "
            "minute, but a leak lets {leak} liters per minute drain out. If the tank starts "
            "empty, how many hours does it take to fill it?"
        ),
        numbers={"rate": span(8, 30), "leak": span(1, 6), "hours": span(2, 8)},
        derived={"liters": "(rate - leak) * 60 * hours"},
        steps=(
            Step("net", "rate - leak", "The tank gains {calc} liters a minute."),
            Step("minutes", "liters / net", "Filling it takes {calc} minutes."),
            Step("hours_needed", "minutes / 60", "That is {calc} hours."),
        ),
    ),
)
