"""Templates with four steps."""

from ratchet.suites.gsm.template import Step, Template, span
from ratchet.suites.gsm.words import CAKES, CLOTHES, COOKIES, DRINKS, GADGETS, NAMES, RELATIVES

FOUR_STEPS = (
    Template(
        name="cafe_change",
        topic="shopping",
        story=(
            "At a café, {name} orders {n_drinks} {drink} at ${drink_price} each and {n_cakes} "
            "slices of {cake} at ${cake_price} each. {name} pays with a ${bill} bill. How much "
            "change does {name} get back?"
        ),
        numbers={
            "n_drinks": span(2, 5), "drink_price": span(2, 6), "n_cakes": span(2, 4),
            "cake_price": span(3, 8), "bill": (50, 100),
        },
        words={"name": NAMES, "drink": DRINKS, "cake": CAKES},
        steps=(
            Step("drinks", "n_drinks * drink_price", "The {drink} cost {calc} dollars."),
            Step("cakes", "n_cakes * cake_price", "The {cake} costs {calc} dollars."),
            Step("total", "drinks + cakes", "The bill is {calc} dollars."),
            Step("change", "bill - total", "{name} gets {calc} dollars back."),
        ),
    ),
    Template(
        name="ages_in_future",
        topic="ages",
        story=(
            "{name} is {age} years old. {name}'s {relative} is {times} times as old as {name}. "
            "In {years} years, what will their two ages add up to?"
        ),
        numbers={"age": span(5, 14), "times": (3, 4, 5), "years": span(2, 12)},
        words={"name": NAMES, "relative": RELATIVES},
        require=("relative_now >= age + 20",),
        steps=(
            Step("relative_now", "age * times", "The {relative} is {calc} years old now."),
            Step("name_then", "age + years", "In {years} years {name} will be {calc}."),
            Step("relative_then", "relative_now + years", "The {relative} will be {calc}."),
            Step("together", "name_then + relative_then", "Together that is {calc} years."),
        ),
    ),
    Template(
        name="room_carpet",
        topic="areas",
        story=(
            "{name} is putting carpet in a room that is {length} meters long and {width} meters "
            "wide. A built-in closet of {c_length} m by {c_width} m in the room does not need "
            "carpet. Carpet costs ${price} per square meter. How much will the carpet cost?"
        ),
        numbers={
            "length": span(4, 9), "width": span(3, 8), "c_length": span(1, 3),
            "c_width": span(1, 2), "price": span(8, 30),
        },
        words={"name": NAMES},
        steps=(
            Step("room", "length * width", "The room is {calc} square meters."),
            Step("closet", "c_length * c_width", "The closet is {calc} square meters."),
            Step("carpeted", "room - closet", "{calc} square meters need carpet."),
            Step("cost", "carpeted * price", "The carpet costs {calc} dollars."),
        ),
    ),
    Template(
        name="sale_change",
        topic="discounts",
        story=(
            "A shop sells {clothes} for ${price} each, and this week everything is {pct}% off. "
            "{name} buys {count} {clothes} and pays with a ${bill} bill. How much change does "
            "{name} get?"
        ),
        numbers={
            "price": span(12, 80, 4), "pct": (10, 20, 25, 30, 40, 50), "count": span(2, 4),
            "bill": (100, 200),
        },
        words={"name": NAMES, "clothes": CLOTHES},
        steps=(
            Step("discount", "percent(pct, price)", "Each one is {calc} dollars cheaper."),
            Step("sale_price", "price - discount", "So each costs {calc} dollars."),
            Step("total", "sale_price * count", "{name} pays {calc} dollars for them."),
            Step("change", "bill - total", "The change is {calc} dollars."),
        ),
    ),
    Template(
        name="commute_fuel",
        topic="travel",
        story=(
            "{name} drives {km} kilometers to work and the same distance back, {days} days a "
            "week. The car uses one liter of fuel for every {km_per_liter} kilometers, and fuel "
            "costs ${price} per liter. How much does {name} spend on fuel each week?"
        ),
        numbers={
            "km": span(5, 40), "days": (3, 4, 5, 6), "km_per_liter": (8, 10, 12, 15, 16, 20),
            "price": (2, 3),
        },
        words={"name": NAMES},
        steps=(
            Step("daily", "km * 2", "Each day {name} drives {calc} kilometers."),
            Step("weekly", "daily * days", "In a week that is {calc} kilometers."),
            Step("liters", "weekly / km_per_liter", "That uses {calc} liters of fuel."),
            Step("cost", "liters * price", "The fuel costs {calc} dollars."),
        ),
    ),
    Template(
        name="lemonade_profit",
        topic="business",
        story=(
            "{name} sells lemonade for ${price} a cup. On Saturday {name} sells {saturday} "
            "cups, and on Sunday {more} more cups than on Saturday. The lemons, sugar and cups "
            "cost ${cost} in total. How much profit does {name} make?"
        ),
        numbers={
            "price": (1, 2, 3), "saturday": span(10, 40), "more": span(2, 15),
            "cost": span(10, 40),
        },
        words={"name": NAMES},
        steps=(
            Step("sunday", "saturday + more", "On Sunday {name} sells {calc} cups."),
            Step("cups", "saturday + sunday", "That makes {calc} cups in all."),
            Step("revenue", "cups * price", "They bring in {calc} dollars."),
            Step("profit", "revenue - cost", "The profit is {calc} dollars."),
        ),
    ),
    Template(
        name="cookie_flour",
        topic="recipes",
        story=(
            "A recipe for {batch} {cookie} uses {flour} grams of flour. {name} wants to bake "
            "{wanted} {cookie} and has {have} grams of flour at home. Flour is sold in "
            "{bag}-gram bags. How many bags of flour must {name} buy?"
        ),
        numbers={
            "batch": (12, 18, 20, 24), "batches": span(2, 5), "flour": span(150, 400, 50),
            "bag": (250, 500), "bags": span(1, 4),
        },
        words={"name": NAMES, "cookie": COOKIES},
        derived={"wanted": "batch * batches", "have": "batches * flour - bag * bags"},
        require=("have >= 50",),
        steps=(
            Step("batches_needed", "wanted / batch", "{name} must bake {calc} batches."),
            Step("needed", "batches_needed * flour", "They use {calc} grams of flour."),
            Step("missing", "needed - have", "{name} is {calc} grams short."),
            Step("bags_needed", "missing / bag", "That is {calc} bags."),
        ),
    ),
    Template(
        name="savings_goal",
        topic="savings",
        story=(
            "{name} earns ${wage} an hour at a part-time job and works {hours} hours each week. "
            "Every week {name} spends ${spend} and saves the rest. {name} already has ${start} "
            "and wants ${goal} for a {gadget}. How many weeks will it take to reach the goal?"
        ),
        numbers={
            "wage": span(8, 15), "hours": span(6, 15), "spend": span(20, 60, 5),
            "start": span(20, 150, 10), "weeks": span(2, 10),
        },
        words={"name": NAMES, "gadget": GADGETS},
        derived={"goal": "start + weeks * (wage * hours - spend)"},
        steps=(
            Step("pay", "wage * hours", "Each week {name} earns {calc} dollars."),
            Step("saved", "pay - spend", "{name} saves {calc} dollars a week."),
            Step("needed", "goal - start", "{name} still needs {calc} dollars."),
            Step("weeks_needed", "needed / saved", "That takes {calc} weeks."),
        ),
    ),
)
