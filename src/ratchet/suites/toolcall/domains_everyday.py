"""Built-in functions of six everyday domains: weather, calendar, messaging, files, music and
smart home (music and smart home are held out of train and dev, see `ratchet.suites.toolcall`)."""

from __future__ import annotations

from ratchet.suites.toolcall.library import array, date, email, enum, fn, integer, number, string, time

CITIES = ("Paris", "Tokyo", "Nairobi", "Lima", "Oslo", "Toronto", "Mumbai", "Sydney", "Berlin",
          "Cairo", "Seoul", "Denver", "Lisbon", "Hanoi", "Dublin", "Quito")
PEOPLE = ("Alice", "Bruno", "Chen Wei", "Dana", "Emeka", "Fatima", "Goran", "Hana", "Ivan", "Jasmine",
          "Kofi", "Lucia", "Marta", "Nikhil", "Olga", "Pedro")
EMAILS = ("alice@example.com", "bruno.silva@example.org", "chen.wei@example.net", "dana@example.com",
          "emeka.obi@example.org", "fatima@example.net", "ops-team@example.com", "hana.k@example.com")
PHONES = ("+1 415 555 0134", "+44 20 7946 0958", "+33 1 84 88 22 10", "+81 3 5555 0199", "+1 212 555 0187")
MEETINGS = ("Budget review", "Dentist appointment", "Team standup", "Lunch with Marta", "Project kickoff",
            "Yoga class", "Parent-teacher meeting", "Quarterly planning")
MESSAGES = ("Running ten minutes late", "The report is ready for review", "Happy birthday!",
            "Can we move our call to Friday?", "Dinner is at seven", "Please send the slides",
            "I left the keys with the neighbour")
PATHS = ("/home/ana/notes.txt", "/data/reports/q3.csv", "/home/ana/photos/beach.jpg", "/srv/app/config.yaml",
         "/tmp/draft.md", "/home/ana/invoices/2025-04.pdf", "/data/logs/server.log")
FOLDERS = ("/home/ana/photos", "/data/reports", "/srv/app", "/home/ana/invoices", "/data/archive", "/tmp")
SONGS = ("Bohemian Rhapsody", "Clair de Lune", "Superstition", "Hallelujah", "Wonderwall", "Dancing Queen",
         "Take Five", "Blue in Green")
ARTISTS = ("Queen", "Debussy", "Stevie Wonder", "Leonard Cohen", "Oasis", "ABBA", "Dave Brubeck", "Miles Davis")
PLAYLISTS = ("Morning run", "Focus", "Road trip", "Sunday chill", "Party mix", "Sleep")
ROOMS = ("living room", "kitchen", "bedroom", "office", "bathroom", "garage", "hallway")
TOPICS = ("history", "climate", "startups", "true crime", "astronomy", "cooking", "language learning")

WEATHER = (
    fn("weather", "get_current_weather", "Current weather conditions in a city",
       {"city": string("City name", CITIES), "units": enum("Temperature units", ("celsius", "fahrenheit"), "celsius")},
       ("check the current weather in {city}", "tell me what the weather is like in {city} right now",
        "get the current conditions in {city} in {units}"), optional=("units",)),
    fn("weather", "get_forecast", "Weather forecast for the coming days",
       {"city": string("City name", CITIES), "days": integer("Number of days", 1, 10)},
       ("get the {days}-day forecast for {city}", "show the weather forecast in {city} for the next {days} days",
        "find out what the weather in {city} will be over the next {days} days")),
    fn("weather", "get_air_quality", "Air quality index for a city",
       {"city": string("City name", CITIES)},
       ("check the air quality in {city}", "look up how polluted the air in {city} is today",
        "get the air quality index for {city}")),
    fn("weather", "get_uv_index", "UV index for a city on a date",
       {"city": string("City name", CITIES), "date": date("Day")},
       ("check the UV index in {city} on {date}", "find out how strong the sun will be in {city} on {date}")),
    fn("weather", "get_sun_times", "Sunrise and sunset times for a city on a date",
       {"city": string("City name", CITIES), "date": date("Day")},
       ("get sunrise and sunset times for {city} on {date}", "tell me when the sun rises in {city} on {date}",
        "look up when it gets dark in {city} on {date}")),
    fn("weather", "get_weather_alerts", "Active severe-weather alerts for a city",
       {"city": string("City name", CITIES), "severity": enum("Lowest severity to include", ("minor", "moderate", "severe"), "minor")},
       ("list any weather warnings for {city}", "check for {severity} weather alerts in {city}",
        "see whether there are storm alerts around {city}"), optional=("severity",)),
)

CALENDAR = (
    fn("calendar", "create_event", "Add an event to the calendar",
       {"title": string("Event title", MEETINGS), "date": date("Day of the event"), "time": time("Start time"),
        "duration_minutes": integer("Length in minutes", 15, 180, default=60)},
       ("schedule {title} on {date} at {time}", "add {title} to my calendar for {date} at {time}",
        "put a {duration_minutes}-minute {title} in my calendar on {date} at {time}"), optional=("duration_minutes",)),
    fn("calendar", "list_events", "List the events of one day",
       {"date": date("Day")},
       ("show my calendar for {date}", "list what I have on {date}", "tell me which meetings I have on {date}")),
    fn("calendar", "cancel_event", "Cancel an event by its title and day",
       {"title": string("Event title", MEETINGS), "date": date("Day of the event")},
       ("cancel {title} on {date}", "remove the {title} on {date} from my calendar",
        "call off {title} scheduled for {date}")),
    fn("calendar", "reschedule_event", "Move an event to a new day and time",
       {"title": string("Event title", MEETINGS), "new_date": date("New day"), "new_time": time("New start time")},
       ("move {title} to {new_date} at {new_time}", "reschedule {title} for {new_date} at {new_time}",
        "push {title} to {new_time} on {new_date}")),
    fn("calendar", "set_reminder", "Set a reminder",
       {"message": string("What to be reminded of", MESSAGES, compare="text"), "date": date("Day"), "time": time("Time")},
       ("remind me on {date} at {time} that \"{message}\"", "set a reminder saying \"{message}\" for {time} on {date}")),
    fn("calendar", "find_free_slot", "Find a free slot of a given length on a day",
       {"date": date("Day"), "duration_minutes": integer("Length in minutes", 15, 180)},
       ("find a free {duration_minutes}-minute slot on {date}", "figure out when I have {duration_minutes} minutes free on {date}",
        "look for a {duration_minutes} minute gap in my schedule on {date}")),
)

MESSAGING = (
    fn("messaging", "send_email", "Send an email",
       {"to": email("Recipient address", EMAILS), "subject": string("Subject line", MEETINGS, compare="text"),
        "body": string("Message text", MESSAGES, compare="text")},
       ("email {to} with the subject \"{subject}\" saying \"{body}\"",
        "send an email to {to}, subject \"{subject}\", body \"{body}\"")),
    fn("messaging", "send_sms", "Send a text message to a phone number",
       {"phone_number": string("Phone number with country code", PHONES, compare="upper"),
        "message": string("Message text", MESSAGES, compare="text")},
       ("text {phone_number} \"{message}\"", "send an SMS to {phone_number} that says \"{message}\"")),
    fn("messaging", "create_group_chat", "Create a group chat with some contacts",
       {"name": string("Group name", PLAYLISTS + ("Book club", "Family", "Climbing crew")),
        "members": array("Contact names", PEOPLE)},
       ("start a group chat called {name} with {members}", "create a group named {name} for {members}")),
    fn("messaging", "read_messages", "Read the latest messages from a contact",
       {"contact": string("Contact name", PEOPLE), "count": integer("How many messages", 1, 20, default=10)},
       ("read me the last {count} messages from {contact}", "show my latest {count} messages with {contact}",
        "catch me up on what {contact} sent me recently"), optional=("count",)),
    fn("messaging", "schedule_message", "Send a message to a contact later",
       {"contact": string("Contact name", PEOPLE), "message": string("Message text", MESSAGES, compare="text"),
        "date": date("Day to send"), "time": time("Time to send")},
       ("send {contact} \"{message}\" on {date} at {time}",
        "schedule a message to {contact} for {time} on {date}: \"{message}\"")),
    fn("messaging", "block_contact", "Block a contact",
       {"contact": string("Contact name", PEOPLE)},
       ("block {contact}", "stop {contact} from messaging me", "add {contact} to my blocked list")),
)

FILES = (
    fn("files", "create_file", "Create a new empty file",
       {"path": string("Full file path", PATHS, compare="exact")},
       ("create a file at {path}", "make a new empty file {path}", "touch {path}")),
    fn("files", "delete_file", "Delete a file",
       {"path": string("Full file path", PATHS, compare="exact")},
       ("delete {path}", "remove the file {path}", "get rid of {path}")),
    fn("files", "move_file", "Move or rename a file",
       {"source": string("Current path", PATHS, compare="exact"), "destination": string("Target folder", FOLDERS, compare="exact")},
       ("move {source} to {destination}", "put {source} into {destination}", "relocate the file {source} into {destination}")),
    fn("files", "search_files", "Search for files by name in a folder",
       {"query": string("Text in the file name", ("invoice", "beach", "report", "draft", "config", "notes")),
        "folder": string("Folder to search", FOLDERS, compare="exact")},
       ("search {folder} for files named like {query}", "find {query} files in {folder}",
        "look for anything called {query} under {folder}")),
    fn("files", "compress_folder", "Compress a folder into an archive",
       {"folder": string("Folder path", FOLDERS, compare="exact"), "format": enum("Archive format", ("zip", "tar.gz", "7z"), "zip")},
       ("compress {folder}", "zip up {folder} as {format}", "make a {format} archive of {folder}"), optional=("format",)),
    fn("files", "share_file", "Share a file with someone by email",
       {"path": string("Full file path", PATHS, compare="exact"), "email": email("Recipient address", EMAILS),
        "permission": enum("Access level", ("view", "comment", "edit"), "view")},
       ("share {path} with {email}", "give {email} {permission} access to {path}"), optional=("permission",)),
)

MUSIC = (
    fn("music", "play_song", "Play a song",
       {"title": string("Song title", SONGS), "artist": string("Artist", ARTISTS)},
       ("play {title} by {artist}", "put on {artist}'s {title}", "play {title}"), optional=("artist",)),
    fn("music", "create_playlist", "Create an empty playlist",
       {"name": string("Playlist name", PLAYLISTS)},
       ("create a playlist called {name}", "make a new playlist named {name}")),
    fn("music", "add_to_playlist", "Add a song to a playlist",
       {"playlist": string("Playlist name", PLAYLISTS), "title": string("Song title", SONGS)},
       ("add {title} to my {playlist} playlist", "put {title} on {playlist}")),
    fn("music", "set_volume", "Set the playback volume",
       {"level": integer("Volume percent", 0, 100)},
       ("set the volume to {level}", "turn the volume to {level} percent", "change the sound level to {level}%")),
    fn("music", "skip_tracks", "Skip ahead a number of tracks",
       {"count": integer("Tracks to skip", 1, 5)},
       ("skip {count} songs", "jump ahead {count} tracks", "skip the next {count} tracks")),
    fn("music", "search_podcasts", "Search podcasts by topic",
       {"topic": string("Topic", TOPICS), "max_results": integer("How many results", 1, 10, default=10)},
       ("find podcasts about {topic}", "search for {max_results} podcasts on {topic}"), optional=("max_results",)),
)

SMART_HOME = (
    fn("smart_home", "set_thermostat", "Set the target temperature of a room",
       {"room": string("Room", ROOMS), "temperature": number("Target temperature", 15, 28)},
       ("set the {room} to {temperature} degrees", "make the {room} {temperature} degrees",
        "change the thermostat in the {room} to {temperature}")),
    fn("smart_home", "turn_on_lights", "Turn on the lights of a room",
       {"room": string("Room", ROOMS), "brightness": integer("Brightness percent", 1, 100, default=100)},
       ("turn on the lights in the {room}", "switch the {room} lights on at {brightness}%",
        "light up the {room} to {brightness} percent"), optional=("brightness",)),
    fn("smart_home", "turn_off_lights", "Turn off the lights of a room",
       {"room": string("Room", ROOMS)},
       ("turn off the lights in the {room}", "switch off the {room} lights", "kill the lights in the {room}")),
    fn("smart_home", "lock_door", "Lock a door",
       {"door": enum("Which door", ("front", "back", "garage"))},
       ("lock the {door} door", "make sure the {door} door is locked")),
    fn("smart_home", "start_vacuum", "Start the robot vacuum in a room",
       {"room": string("Room", ROOMS)},
       ("vacuum the {room}", "start the robot vacuum in the {room}", "send the vacuum to clean the {room}")),
    fn("smart_home", "set_alarm", "Set an alarm",
       {"time": time("Alarm time"), "label": string("Alarm label", ("Wake up", "Gym", "Meds", "School run", "Flight"))},
       ("set an alarm for {time}", "wake me at {time} with the label {label}", "set a {label} alarm at {time}"),
       optional=("label",)),
)

EVERYDAY = WEATHER + CALENDAR + MESSAGING + FILES + MUSIC + SMART_HOME
